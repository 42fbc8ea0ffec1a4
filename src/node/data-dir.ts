import { randomInt } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GenesisSpec, areaOf, parseGenesisSpec } from '../core/genesis.js';
import { type Area, type Position, positionFrom } from '../geo/grid.js';
import { ConfigError, type NodeConfig } from './config.js';
import { failPointFromEnv } from './fail-point.js';
import { type Identity, loadOrCreateKey } from './identity.js';
import type { Logger } from './logger.js';
import { ChainStore } from './store.js';

/** What a node starts from on disk: its genesis file, its key, its chain store and its position. */
export interface DataDir {
  spec: GenesisSpec;
  identity: Identity;
  store: ChainStore;
  position: Position;
}

/**
 * Reads the genesis file, and opens (creating them when missing) the node key and the chain store in DATA_DIR.
 * The position is POSITION, else the stored one, else a random one on the map; it is stored for the next start.
 */
export async function openDataDir(config: NodeConfig, log: Logger): Promise<DataDir> {
  const spec = await readGenesisSpec(config.genesisPath);
  await mkdir(config.dataDir, { recursive: true });
  const keyPath = join(config.dataDir, 'node.key');
  const { identity, created } = await loadOrCreateKey(keyPath);
  if (created) log.info({ path: keyPath }, 'created a new node key');
  const store = await ChainStore.open(join(config.dataDir, 'chain'), failPointFromEnv());
  try {
    const area = areaOf(spec);
    if (config.position && (config.position.x > area.width || config.position.y > area.height)) {
      throw new ConfigError(`POSITION: ${config.position.x},${config.position.y} is outside the chain's ${area.width}x${area.height} m map (genesis.json)`, 'POSITION');
    }
    const position = config.position ?? (await store.getPosition()) ?? randomPosition(area);
    await store.putPosition(position);
    return { spec, identity, store, position };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function readGenesisSpec(path: string): Promise<GenesisSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`GENESIS: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'GENESIS');
  }
  try {
    return parseGenesisSpec(JSON.parse(text));
  } catch (err) {
    throw new ConfigError(`GENESIS: ${path}: ${(err as Error).message}`, 'GENESIS');
  }
}

function randomPosition(area: Area): Position {
  const scale = 1_000_000;
  return positionFrom(area, randomInt(scale) / scale, randomInt(scale) / scale);
}
