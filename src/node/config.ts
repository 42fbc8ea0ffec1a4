/**
 * Node configuration: the table of settings (settings-table.ts), five layered sources, validated at start.
 *
 * Sources, later wins:
 *   built-in defaults < config/default.env (package root; may be missing)
 *   < --config FILE (must exist) < environment < command-line flags.
 *
 * Within one .env file or the environment, the seed's names are accepted as aliases with
 * lower precedence than the canonical name: SERVER_HOST → P2P_HOST, SERVER_PORT / ADDR →
 * P2P_PORT, KNOWN_NODES → appended to BOOTSTRAP, DEBUG=true|1|yes → LOG_LEVEL=debug.
 * Each source is folded on its own, so e.g. SERVER_PORT in the environment beats
 * P2P_PORT in a --config file, and --bootstrap replaces BOOTSTRAP+KNOWN_NODES from the
 * environment.
 *
 * Every value is a string until validated (defaults too, exactly as in default.env);
 * only the winning value of each setting is validated. Any problem is a ConfigError
 * with a one-line message: `SETTING (source): what is wrong`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Behavior, EngineName } from '../core/behavior.js';
import { GenesisSecret, MAKE_SECRET_HINT } from '../core/genesis-secret.js';
import { EnvParseError, readEnvFile, type EnvEntry } from './env-file.js';

export type { Behavior, EngineName } from '../core/behavior.js';
export { LOG_LEVELS, parseBootstrap, type BootstrapEntry, type LogLevel, type SettingName } from './settings-table.js';
import { BOOL, SPECS, q, type BootstrapEntry, type LogLevel, type SettingName, type Spec } from './settings-table.js';


export interface NodeConfig {
  chainId: string;
  dataDir: string;
  /** absolute path */
  genesisPath: string;
  logLevel: LogLevel;
  p2pHost: string;
  p2pPort: number;
  bootstrap: BootstrapEntry[];
  mdns: boolean;
  rpcHost: string;
  rpcPort: number;
  /** /health turns 503 after this long with pending work and no commit, ms. */
  healthStallMs: number;
  /** Blocks kept on disk below the head; 0 keeps them all. */
  retainBlocks: number;
  genesisNodes: number;
  genesisQuietMs: number;
  /** undefined: a single-node chain that admits no one to its ceremony */
  genesisSecret?: GenesisSecret;
  /** metres; undefined = random, chosen and persisted by the node */
  position?: { x: number; y: number };
  stake: number;
  /** metres per second; 0 = static */
  mobilitySpeed: number;
  engine: EngineName;
  behaviors: Behavior[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /**
   * @param setting canonical env name of the offending setting; undefined when the problem
   *   is a whole file (missing --config file, malformed .env line)
   * @param source where the value came from: default, default.env, a file path, environment, flag --x
   */
  constructor(
    message: string,
    readonly setting?: string,
    readonly source?: string,
  ) {
    super(message);
  }
}

/** The package root (dist/src/node/config.js → three levels up). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEFAULT_ENV_URL = new URL('../../../config/default.env', import.meta.url);


type Values = { [K in SettingName]: z.output<(typeof SPECS)[K]['schema']> };
const NAMES = Object.keys(SPECS) as SettingName[];
const isSetting = (k: string): k is SettingName => Object.hasOwn(SPECS, k);

const camel = (flag: string) => flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export interface SettingInfo {
  /** env name, also the key of `flags` passed to loadConfig */
  name: SettingName;
  /** commander long flag (`--rpc-port`), undefined for env-only settings */
  flag?: string;
  /** commander placeholder (`<port>`, `[bool]`) */
  arg?: string;
  /** commander's camelCase option name (`rpcPort`) */
  option?: string;
  /** default as written in default.env ('' = unset / empty list) */
  default: string;
  description: string;
}

/** Settings metadata, in table order (the order of config/default.env). */
export const SETTINGS: readonly SettingInfo[] = NAMES.map((name) => {
  const { flag, arg, default: def, description } = SPECS[name] as Spec<unknown>;
  return { name, flag, arg, option: flag && camel(flag), default: def, description };
});

/** commander camelCase option name → env name, e.g. rpcPort → RPC_PORT. */
export const FLAG_TO_SETTING: Record<string, string> = Object.fromEntries(
  SETTINGS.filter((s) => s.option).map((s) => [s.option!, s.name]),
);

/** The seed's names, lower precedence than the canonical name in the same source. */
const ALIASES: { alias: string; target: SettingName; map?: (v: string) => string | undefined; append?: true }[] = [
  { alias: 'SERVER_HOST', target: 'P2P_HOST' },
  { alias: 'SERVER_PORT', target: 'P2P_PORT' },
  { alias: 'ADDR', target: 'P2P_PORT' },
  { alias: 'KNOWN_NODES', target: 'BOOTSTRAP', append: true },
  // DEBUG also drives the `debug` package (DEBUG=libp2p:*): anything but a true value is ignored.
  { alias: 'DEBUG', target: 'LOG_LEVEL', map: (v) => (BOOL[v.toLowerCase()] === true ? 'debug' : undefined) },
];
const KNOWN_KEYS = new Set<string>([...NAMES, ...ALIASES.map((a) => a.alias)]);

// ---------------------------------------------------------------------------------------
// Loading

interface Raw {
  value: string;
  source: string;
}
type Layer = Partial<Record<SettingName, Raw>>;

/** Fold one source (a .env file or the environment) into a layer, applying aliases. */
function foldSource(get: (key: string) => string | undefined, source: string): Layer {
  const layer: Layer = {};
  for (const name of NAMES) {
    const v = get(name);
    if (v !== undefined) layer[name] = { value: v.trim(), source };
  }
  for (const { alias, target, map, append } of ALIASES) {
    const raw = get(alias)?.trim();
    const v = raw ? (map ? map(raw) : raw) : undefined;
    if (v === undefined) continue;
    const cur = layer[target];
    if (!cur) layer[target] = { value: v, source: `${source}, via ${alias}` };
    else if (append) layer[target] = { value: [cur.value, v].filter(Boolean).join(','), source: `${source}, ${target} + ${alias}` };
  }
  return layer;
}

const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory' };

function fileLayer(path: string | URL, label: string, optional: boolean, warnings?: string[]): Layer {
  let entries: EnvEntry[];
  try {
    entries = readEnvFile(path, label);
  } catch (e) {
    if (e instanceof EnvParseError) throw new ConfigError(e.message, undefined, label);
    const err = e as NodeJS.ErrnoException;
    if (optional && err.code === 'ENOENT') return {};
    const why = READ_ERRORS[err.code ?? ''] ?? err.message;
    throw new ConfigError(`${optional ? label : '--config'}: cannot read ${q(String(path))}: ${why}${err.code ? ` (${err.code})` : ''}`, undefined, label);
  }
  const map = new Map(entries.map((e) => [e.key, e.value]));
  if (warnings) {
    for (const e of entries) if (!KNOWN_KEYS.has(e.key)) warnings.push(`${label}:${e.line}: unknown setting ${e.key} ignored`);
  }
  return foldSource((k) => map.get(k), label);
}

function flagLayer(flags: Record<string, string | boolean | undefined>): Layer {
  const layer: Layer = {};
  for (const [key, v] of Object.entries(flags)) {
    const name = isSetting(key) ? key : FLAG_TO_SETTING[key];
    if (v === undefined || name === undefined || !isSetting(name)) continue; // not ours (e.g. commander's `config`)
    const flag = SPECS[name].flag;
    layer[name] = { value: String(v).trim(), source: flag ? `flag ${flag}` : 'flag' };
  }
  return layer;
}

/** GENESIS_SECRET_FILE's content, else GENESIS_SECRET; undefined when neither is set. */
function genesisSecretOf(value: string, file: string, fail: (name: SettingName, message: string) => never): GenesisSecret | undefined {
  const [name, text] = file !== '' ? (['GENESIS_SECRET_FILE', readSecretFile(file, fail)] as const) : (['GENESIS_SECRET', value] as const);
  if (text === '') return undefined;
  try {
    return GenesisSecret.parse(text);
  } catch (e) {
    // The value itself is never echoed: it is a secret.
    return fail(name, `the secret ${(e as Error).message}`);
  }
}

function readSecretFile(file: string, fail: (name: SettingName, message: string) => never): string {
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (e) {
    return fail('GENESIS_SECRET_FILE', `cannot read ${q(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export interface LoadConfigOptions {
  /** keyed by env name (RPC_PORT) or commander option name (rpcPort); undefined = not given */
  flags: Record<string, string | boolean | undefined>;
  env: NodeJS.ProcessEnv | Record<string, string | undefined>;
  /** --config FILE: a .env file that must exist */
  configFile?: string;
  /** default.env location; undefined = config/default.env in the package, null = skip */
  defaultEnvPath?: string | URL | null;
}

export interface LoadedConfig {
  config: NodeConfig;
  warnings: string[];
  /** where each setting's value came from (`posplus config` prints it) */
  sources: Record<SettingName, string>;
  /** each setting's value as that source wrote it, before parsing */
  raw: Record<SettingName, string>;
}

export function loadConfig(opts: LoadConfigOptions): LoadedConfig {
  const warnings: string[] = [];
  const defaults: Layer = Object.fromEntries(NAMES.map((n) => [n, { value: SPECS[n].default, source: 'default' }]));
  const defaultEnvPath = opts.defaultEnvPath === undefined ? DEFAULT_ENV_URL : opts.defaultEnvPath;
  const layers: Layer[] = [
    defaults,
    defaultEnvPath === null ? {} : fileLayer(defaultEnvPath, 'default.env', true),
    opts.configFile === undefined ? {} : fileLayer(opts.configFile, opts.configFile, false, warnings),
    foldSource((k) => opts.env[k], 'environment'),
    flagLayer(opts.flags),
  ];
  const winner = (name: SettingName): Raw => layers.reduce<Raw | undefined>((w, l) => l[name] ?? w, undefined)!;
  function fail(name: SettingName, message: string): never {
    const { source } = winner(name);
    throw new ConfigError(`${name} (${source}): ${message}`, name, source);
  }

  const values = {} as Record<SettingName, unknown>;
  const sources = {} as Record<SettingName, string>;
  const raw = {} as Record<SettingName, string>;
  for (const name of NAMES) {
    const { value, source } = winner(name);
    raw[name] = value;
    const result = SPECS[name].schema.safeParse(value);
    if (!result.success) fail(name, result.error.issues[0]?.message ?? `${q(value)} is invalid`);
    values[name] = result.data;
    sources[name] = source;
  }
  const v = values as Values;

  // GENESIS from the package's own defaults resolves against the package root.
  const packageOwned = sources.GENESIS === 'default' || sources.GENESIS === 'default.env';
  const config: NodeConfig = {
    chainId: v.CHAIN_ID,
    dataDir: v.DATA_DIR,
    genesisPath: packageOwned ? resolve(PACKAGE_ROOT, v.GENESIS) : resolve(v.GENESIS),
    logLevel: v.LOG_LEVEL,
    p2pHost: v.P2P_HOST,
    p2pPort: v.P2P_PORT,
    bootstrap: v.BOOTSTRAP,
    mdns: v.MDNS,
    rpcHost: v.RPC_HOST,
    rpcPort: v.RPC_PORT,
    healthStallMs: v.HEALTH_STALL_S * 1000,
    retainBlocks: v.RETAIN_BLOCKS,
    genesisNodes: v.GENESIS_NODES,
    genesisQuietMs: v.GENESIS_QUIET_MS,
    stake: v.STAKE,
    mobilitySpeed: v.MOBILITY_SPEED,
    engine: v.ENGINE,
    behaviors: v.BEHAVIOR,
  };
  if (v.POSITION) config.position = v.POSITION;
  const secret = genesisSecretOf(v.GENESIS_SECRET, v.GENESIS_SECRET_FILE, fail);
  if (secret !== undefined) config.genesisSecret = secret;
  else if (config.genesisNodes > 1) {
    fail('GENESIS_SECRET', `is required when GENESIS_NODES is ${config.genesisNodes}: only replicas that know it take part in the start-up ceremony; ${MAKE_SECRET_HINT}`);
  }

  // Cross-field checks. (POSITION against the map is checked by the node: the map is the chain's, in genesis.json.)
  if (config.rpcPort !== 0 && config.rpcPort === config.p2pPort) {
    fail('RPC_PORT', `${config.rpcPort} is also the P2P_PORT (${sources.P2P_PORT})`);
  }
  return { config, warnings, sources, raw };
}
