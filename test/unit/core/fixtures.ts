import fc from 'fast-check';
import { addressBytesOf } from '../../../src/core/address.js';
import { type BlockRules, ChainState, type ChainParams, DEFAULT_CHAIN_PARAMS, NO_BLOCK_RULES } from '../../../src/core/chain-state.js';
import { type EngineRules, engineRules } from '../../../src/consensus/create-engine.js';
import { DEFAULT_NCCA_PARAMS } from '../../../src/consensus/ncca/params.js';
import { type Genesis, type GenesisSpec, genesisState, makeGenesis } from '../../../src/core/genesis.js';
import { type KeyPair, keyPairFromSeed } from '../../../src/core/keys.js';
import { Tx } from '../../../src/core/wire/posplus.js';
import { derivedSeed } from '../../../src/core/prng.js';

export const CHAIN = 'posplus-test';

const keys = new Map<string, KeyPair>();

/** A fixed key per name, the same in every run. */
export function key(name: string | number): KeyPair {
  const id = `${typeof name}:${name}`;
  let k = keys.get(id);
  if (k === undefined) {
    k = keyPairFromSeed(derivedSeed('test-key', name));
    keys.set(id, k);
  }
  return k;
}

export const SPEC: GenesisSpec = { timestamp: 1_700_000_000_000, member: { balance: 1_000, stake: 100, capacity: 10 }, accounts: [] };

export function genesisOf(members: readonly KeyPair[], spec: GenesisSpec = SPEC): Genesis {
  return makeGenesis(CHAIN, spec, members.map((k) => k.publicKey));
}

/** A replica's ChainState over a genesis, owned by `self`; without `rules` no engine checks or books its blocks. */
export function chainOf(genesis: Genesis, self: KeyPair, params: Partial<Omit<ChainParams, 'chainId'>> = {}, rules: BlockRules = NO_BLOCK_RULES): ChainState {
  const head = { height: 0, hash: genesis.hash, timestamp: genesis.spec.timestamp };
  return new ChainState({ ...DEFAULT_CHAIN_PARAMS, ...params, chainId: genesis.chainId }, genesis, self, genesisState(genesis), head, rules);
}

export const posRulesOf = (genesis: Genesis): EngineRules => engineRules('pos', { ncca: DEFAULT_NCCA_PARAMS }, genesis);

/** A replica's chain as a POS engine drives it: the engine's block rules check and book every block. */
export const posChainOf = (genesis: Genesis, self: KeyPair): ChainState => chainOf(genesis, self, {}, posRulesOf(genesis).block);

export const recipient = (k: KeyPair): Uint8Array => addressBytesOf(k.publicKey);

// ------------------------------------------------------------------ fast-check arbitraries

export const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
export const anyBytes = fc.uint8Array({ maxLength: 80 });
export const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
export const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

/** Any Tx the codec can carry (not necessarily valid): optional bpm left out rather than set to undefined. */
export const arbTx: fc.Arbitrary<Tx> = fc
  .record({
    kind: fc.constantFrom(Tx.Kind.TRANSFER, Tx.Kind.REGISTER, Tx.Kind.UNREGISTER),
    sender: anyBytes,
    to: anyBytes,
    amount: u64,
    nonce: u64,
    bpm: fc.option(u32, { nil: undefined }),
    stake: u64,
    capacity: u64,
    signature: anyBytes,
  })
  .map(({ bpm, ...rest }) => (bpm === undefined ? rest : { ...rest, bpm }));
