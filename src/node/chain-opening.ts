import { type KeyPair } from '../core/keys.js';
import { bytesEqual, fromHex, toHex } from '../core/bytes.js';
import { headerOf } from '../core/block.js';
import { ChainState, DEFAULT_CHAIN_PARAMS } from '../core/chain-state.js';
import { type Genesis, type GenesisSpec, makeGenesis } from '../core/genesis.js';
import type { LedgerState } from '../core/ledger.js';
import { signingDomain } from '../core/signing.js';
import type { EngineRules } from '../consensus/create-engine.js';
import { ConfigError } from './config.js';
import type { ChainStore, StoredGenesis } from './store.js';

/** Where a node's chain is kept and who it is on it. */
export interface ChainHome {
  readonly store: ChainStore;
  readonly chainId: string;
  readonly spec: GenesisSpec;
  /** Both named in errors: the operator must know which directory and which file are meant. */
  readonly dataDir: string;
  readonly genesisPath: string;
  readonly keyPair: KeyPair;
}

/**
 * Where a chain is entered from. 'store': blocks on disk; 'chosen': the genesis this node entered before a restart
 * at height 0 (its WAL may hold height-1 votes); 'new': a genesis a ceremony just closed on or an announcement
 * brought, recorded before the engine can sign anything for it.
 */
export type ChainOrigin = 'store' | 'chosen' | 'new';

/**
 * The genesis a node starts on: its store's chain, else the members its genesis file pins (no ceremony, and no
 * announcement can move it elsewhere), else the one it chose before a restart at height 0; undefined when a
 * ceremony must choose.
 */
export async function genesisAtStart(home: ChainHome): Promise<{ genesis: Genesis; from: ChainOrigin } | undefined> {
  const stored = await home.store.getGenesis();
  if (stored !== undefined) return { genesis: storedGenesis(home, stored), from: 'store' };
  const pinned = home.spec.members?.map(fromHex);
  if (pinned !== undefined) return { genesis: makeGenesis(home.chainId, home.spec, pinned), from: 'chosen' };
  const chosen = await home.store.getChosenGenesis();
  return chosen && { genesis: storedGenesis(home, chosen), from: 'chosen' };
}

/** The stored genesis, rebuilt from our chain id and genesis file, which must still make the same one. */
function storedGenesis(home: ChainHome, stored: StoredGenesis): Genesis {
  const genesis = makeGenesis(home.chainId, home.spec, stored.members, stored.places);
  if (!bytesEqual(genesis.hash, stored.hash)) {
    throw new ConfigError(
      `CHAIN_ID/GENESIS: the data directory ${home.dataDir} holds the chain of genesis ${toHex(stored.hash)}, and CHAIN_ID "${home.chainId}" with ${home.genesisPath} make another; start with the settings it was made with, or another DATA_DIR`,
      'GENESIS',
    );
  }
  return genesis;
}

/** The replica's state for `genesis` (from disk, or fresh at height 0) and the WAL its engine resumes from. */
export async function openChain(home: ChainHome, genesis: Genesis, rules: EngineRules, from: ChainOrigin): Promise<{ chain: ChainState; wal?: Uint8Array }> {
  const { store } = home;
  const fromStore = from === 'store';
  if (from === 'new') await store.putChosenGenesis(genesis);
  const ledger = fromStore ? await store.loadLedger() : rules.genesisState();
  const head = (fromStore ? await store.getHead() : undefined) ?? { height: 0, hash: genesis.hash, timestamp: genesis.spec.timestamp };
  const chain = new ChainState({ chainId: signingDomain(home.chainId, genesis.hash), ...DEFAULT_CHAIN_PARAMS }, genesis, home.keyPair, ledger, head, rules.block);
  const wal = from === 'new' ? undefined : await store.getWal();
  if (fromStore && head.height > 0) {
    await checkStoredState(home, ledger, head.height);
    chain.lastCertificate = await store.getCertificate(head.height);
    chain.headRecord = await store.getHeadRecord();
    chain.evidence.remember(await store.committedEvidenceIds());
  }
  return { chain, wal };
}

/** The accounts on disk must be exactly the state the head block certifies: a damaged store must not run. */
async function checkStoredState(home: ChainHome, ledger: LedgerState, height: number): Promise<void> {
  const block = await home.store.getBlock(height);
  const expected = block && headerOf(block).stateRoot;
  if (expected === undefined || !bytesEqual(ledger.root(), expected)) {
    throw new Error(`the accounts in ${home.dataDir} do not match the state root of its head block ${height}: the store is damaged; move it aside and let the node sync again`);
  }
}
