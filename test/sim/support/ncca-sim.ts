import { type Address, addressOf } from '../../../src/core/address.js';
import { headerOf } from '../../../src/core/block.js';
import { type Hex, toHex } from '../../../src/core/bytes.js';
import { ChainState, DEFAULT_CHAIN_PARAMS } from '../../../src/core/chain-state.js';
import { areaOf, genesisState } from '../../../src/core/genesis.js';
import { keyPairFromSeed } from '../../../src/core/keys.js';
import type { Account } from '../../../src/core/ledger.js';
import { txId } from '../../../src/core/tx.js';
import type { Tx } from '../../../src/core/wire/posplus.js';
import { createEngine, engineRules } from '../../../src/consensus/create-engine.js';
import { DEFAULT_NCCA_PARAMS, type NccaParams } from '../../../src/consensus/ncca/params.js';
import { type Area, type Position, cellOf } from '../../../src/geo/grid.js';
import { equivocator } from '../../../src/consensus/misbehavior/equivocate.js';
import { falseVoter } from '../../../src/consensus/misbehavior/false-vote.js';
import { invalidProposer } from '../../../src/consensus/misbehavior/invalid-block.js';
import { faultyCollector } from '../../../src/consensus/misbehavior/faulty-collector.js';
import { silentProposer } from '../../../src/consensus/misbehavior/silent-proposer.js';
import { Prng, derivedSeed } from '../../../src/core/prng.js';
import { type EngineFactory, ReplicaNetwork, engineFactory } from '../../../src/sim/replica-network.js';
import type { Behaviour } from '../../../src/sim/replica.js';
import { disagreementsOf } from '../../../src/sim/safety-monitor.js';

/** The NCCA engine as the harness builds it: DEFAULT_NCCA_PARAMS with a short epoch, so elections happen within a run. */
export function nccaParams(epochLength: number): NccaParams {
  return { ...DEFAULT_NCCA_PARAMS, epochLength };
}

export const nccaEngine = (params: NccaParams): EngineFactory => engineFactory('ncca', { ncca: params });

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The centre of a cell of the genesis map, in metres. */
export function cellCentre(area: Area, cell: number): Position {
  const w = area.width / area.grid;
  const h = area.height / area.grid;
  return { x: Math.round((cell % area.grid) * w + w / 2), y: Math.round(Math.floor(cell / area.grid) * h + h / 2) };
}

export const mapOf = (net: ReplicaNetwork): Area => areaOf(net.genesis.spec);

/** Replica `index` declares itself at the centre of `cell` (a LOCATE submitted at that replica). */
export function locateIn(net: ReplicaNetwork, index: number, cell: number): Hex {
  const { x, y } = cellCentre(mapOf(net), cell);
  const tx = net.locate(index, x, y);
  net.submit(index, [tx]);
  return txId(tx);
}

export function hasCommitted(net: ReplicaNetwork, index: number, id: Hex): boolean {
  for (const c of net.replica(index).log.values()) if (c.txIds.includes(id)) return true;
  return false;
}

export const allCommitted = (net: ReplicaNetwork, ids: readonly Hex[], replicas: readonly number[]): boolean =>
  replicas.every((i) => ids.every((id) => hasCommitted(net, i, id)));

/** A transfer from `from` to `to`, submitted at `from`; returns its id. */
export function send(net: ReplicaNetwork, from: number, to: number, amount = 1): Hex {
  const tx: Tx = net.transfer(from, to, amount);
  net.submit(from, [tx]);
  return txId(tx);
}

/** Heights at which two of `replicas` committed different blocks. */
export function disagreementsAmong(net: ReplicaNetwork, replicas: readonly number[]): string[] {
  return disagreementsOf(replicas.map((i) => net.replica(i)));
}

/** The harness's violations that name one of `replicas` (each violation names the replica at fault first). */
export function violationsBy(net: ReplicaNetwork, replicas: readonly number[]): string[] {
  return net.violations.filter((v) => {
    const m = /replica (\d+)/.exec(v);
    return m === null || replicas.includes(Number(m[1]));
  });
}

export const creditIn = (state: { get(a: Address): Account | undefined }, address: Address, p: NccaParams): number =>
  state.get(address)?.credit ?? p.credit.initial;

export const cellIn = (area: Area, account: Account | undefined): number | undefined =>
  account?.position === undefined ? undefined : cellOf(area, account.position);

export const rootOf = (net: ReplicaNetwork, index: number): Hex => toHex(net.replica(index).chain.ledger.root());

/**
 * Feeds replica `index`'s finalized blocks, with their certificates, to a fresh NCCA replica that saw nothing
 * else (as a node joining later would get them through sync) and returns the first it refuses, if any: every
 * finalized block must be valid on its own, not only to replicas that happened to see something before.
 */
export function replayFresh(net: ReplicaNetwork, index: number, params: NccaParams): string | undefined {
  const rules = engineRules('ncca', { ncca: params }, net.genesis);
  const head = { height: 0, hash: net.genesis.hash, timestamp: net.genesis.spec.timestamp };
  const chain = new ChainState({ ...DEFAULT_CHAIN_PARAMS, chainId: net.chainId }, net.genesis, keyPairFromSeed(derivedSeed('fresh replica')), genesisState(net.genesis), head, rules.block);
  const engine = createEngine(chain, rules, net.timeouts);
  const log = net.replica(index).log;
  for (let h = 1; log.has(h); h++) {
    const c = log.get(h)!;
    const ready = engine.step({ type: 'certified', block: { block: c.block, certificate: c.certificate }, now: net.now });
    if (ready.verdict === 'reject' || chain.head.height !== h) return `height ${h}: ${ready.reason ?? ready.verdict}`;
    if (toHex(chain.ledger.root()) !== toHex(headerOf(c.block).stateRoot)) return `height ${h}: state root differs after replay`;
  }
  return undefined;
}

// ------------------------------------------------------------------ the safety scenario (ncca-safety.test.ts)

export type ByzantineKind = 'equivocator' | 'falseVoter' | 'invalidProposer' | 'silentProposer' | 'withholdingCollector' | 'slowCollector';
export const BYZANTINE_KINDS: readonly ByzantineKind[] = ['equivocator', 'falseVoter', 'invalidProposer', 'silentProposer', 'withholdingCollector', 'slowCollector'];

/** Longer than the prevote and precommit timeouts: the validators give up on the collector before its bundles come. */
const SLOW_COLLECTOR_MS = 1_500;

export function behaviourOf(kind: ByzantineKind, prng: Prng): Behaviour {
  switch (kind) {
    case 'equivocator':
      return equivocator(prng);
    case 'falseVoter':
      // False votes and false ballots, as `--behavior falsevote` runs them: 2 of 7 abstaining on every transaction
      // leave it 5/7 of the weight saying yes, which v1 = 0.775 still confirms (it needs 70 %).
      return falseVoter(prng);
    case 'invalidProposer':
      return invalidProposer(prng);
    case 'silentProposer':
      return silentProposer();
    case 'withholdingCollector':
      return faultyCollector();
    case 'slowCollector':
      return faultyCollector(SLOW_COLLECTOR_MS);
  }
}

/** 7 equal-stake validators, 2 byzantine: 2/7 ≈ 0.286 of the weight, just under 1/3 (and under 1 − β2 = 0.3, so the 5 honest still commit). */
export const SAFETY_SIZE = 7;
export const SAFETY_BYZANTINE = 2;
export const SAFETY_EPOCH = 2;
const SAFETY_PARAMS = nccaParams(SAFETY_EPOCH);

/** What one seed of the safety scenario showed; plain data, so a worker thread can send it back. */
export interface SafetyReport {
  kind: ByzantineKind;
  seed: string;
  byzantine: number[];
  honest: number[];
  /** Honest replicas that committed different blocks at one height. */
  disagreements: string[];
  /** Harness violations naming an honest replica. */
  violations: string[];
  /** Why a fresh replica refused the honest chain (see replayFresh), or undefined. */
  replay: string | undefined;
  /** Honest heights when the network healed, and at the end. */
  heightsAtHeal: number[];
  finalHeights: number[];
  /** After healing, every honest replica committed the transaction submitted then. */
  healed: boolean;
  /** Virtual ms from healing to that commit everywhere. */
  healMs: number;
  /** Transactions submitted before healing that every honest replica committed, of how many. */
  committedBeforeHeal: number;
  submittedBeforeHeal: number;
  /** Epoch boundaries (elections) the honest chain passed. */
  elections: number;
  /** Blocks in an honest log proposed by a byzantine replica. */
  byzantineBlocks: number;
  /** Failed rounds whose rightful proposer was byzantine, from the honest chain's head records. */
  byzantineFailedRounds: number;
  /** Committed evidence naming a byzantine / an honest replica. */
  evidenceAgainstByzantine: number;
  evidenceAgainstHonest: number;
  /** At the end, on the honest chain: the byzantine and the honest validators' credit (ppm), in replica order. */
  byzantineCredit: number[];
  honestCredit: number[];
  /** Heights an honest replica committed in a round above 0. */
  laterRounds: number;
}

/**
 * One seed: 7 NCCA validators, each LOCATEd in a cell of its own (so every cell elects its one node, as validator
 * and multi-region validator, and the byzantine share of the vote stays 2/7), 2 of them byzantine of `kind`.
 * Two rounds of transfers between honest accounts (with the LOCATEs, blocks 1 to about 3, across the first
 * election at height 2) under 5% message loss and 5–65 ms delay, gossip relayed by every replica as gossipsub
 * does; then the network heals (no loss; the byzantine replicas stay byzantine) and one more transfer must
 * commit at every honest replica.
 */
export function runSafetySeed(kind: ByzantineKind, index: number): SafetyReport {
  const seed = `ncca-safety/${kind}/${index}`;
  const prng = Prng.from(seed);
  const net = new ReplicaNetwork({
    seed,
    size: SAFETY_SIZE,
    engine: nccaEngine(SAFETY_PARAMS),
    dropRate: 0.05,
    baseDelayMs: 5,
    jitterMs: 60,
    relay: true,
  });
  const all = range(SAFETY_SIZE);
  const byzantine = prng.fork('byzantine').shuffle(all).slice(0, SAFETY_BYZANTINE).sort((a, b) => a - b);
  const honest = all.filter((i) => !byzantine.includes(i));
  byzantine.forEach((b) => net.setBehaviour(b, behaviourOf(kind, prng.fork(`behaviour/${b}`))));

  const area = mapOf(net);
  const cells = prng.fork('cells').shuffle(range(area.grid * area.grid));
  for (const i of all) locateIn(net, i, cells[i]!);
  const ids: Hex[] = [];
  const senders = prng.fork('senders').shuffle(honest).slice(0, 3);
  for (let k = 0; k < 2; k++) {
    for (const s of senders) ids.push(send(net, s, honest[(honest.indexOf(s) + 1 + k) % honest.length]!, 1 + k));
    net.run(600);
  }
  net.run(1_000);

  const heightsAtHeal = honest.map((i) => net.replica(i).height);
  const committedBeforeHeal = ids.filter((id) => honest.every((i) => hasCommitted(net, i, id))).length;
  net.setDropRate(0);
  net.heal();
  const healedAt = net.now;
  const last = send(net, senders[0]!, senders[1]!, 7);
  // Liveness is eventual: a silent proposer loses a height one round per turn (see proposerOfRound), and rounds
  // grow longer (k rounds take 4k + 0.75k(k − 1) s with the default timeouts); 300 s covers 14 rounds.
  const healed = net.runUntil(() => honest.every((i) => hasCommitted(net, i, last)), 300_000);
  const healMs = net.now - healedAt;
  net.run(500);

  // The honest chain, as the honest replica that got furthest holds it.
  const witness = honest.reduce((best, i) => (net.replica(i).height > net.replica(best).height ? i : best), honest[0]!);
  const log = net.replica(witness).log;
  const byzantineAddresses = new Set(byzantine.map((b) => net.replica(b).address));
  const honestAddresses = new Set(honest.map((i) => net.replica(i).address));
  let byzantineBlocks = 0;
  let byzantineFailedRounds = 0;
  let evidenceAgainstByzantine = 0;
  let evidenceAgainstHonest = 0;
  let laterRounds = 0;
  for (const i of honest) {
    for (const c of net.replica(i).log.values()) if (byzantineAddresses.has(addressOf(headerOf(c.block).proposer))) byzantineBlocks++;
  }
  for (const c of log.values()) {
    if (headerOf(c.block).round > 0) laterRounds++;
    byzantineFailedRounds += c.headRecord.failedProposers.filter((a) => byzantineAddresses.has(a)).length;
    for (const e of c.evidence) {
      if (byzantineAddresses.has(e.offender)) evidenceAgainstByzantine++;
      if (honestAddresses.has(e.offender)) evidenceAgainstHonest++;
    }
  }
  const ledger = net.replica(witness).chain.ledger;
  return {
    kind,
    seed,
    byzantine,
    honest,
    disagreements: disagreementsAmong(net, honest),
    violations: violationsBy(net, honest),
    replay: replayFresh(net, witness, SAFETY_PARAMS),
    heightsAtHeal,
    finalHeights: honest.map((i) => net.replica(i).height),
    healed,
    healMs,
    committedBeforeHeal,
    submittedBeforeHeal: ids.length,
    elections: Math.floor(net.replica(witness).height / SAFETY_EPOCH),
    byzantineBlocks,
    byzantineFailedRounds,
    evidenceAgainstByzantine,
    evidenceAgainstHonest,
    byzantineCredit: byzantine.map((i) => creditIn(ledger, net.replica(i).address, SAFETY_PARAMS)),
    honestCredit: honest.map((i) => creditIn(ledger, net.replica(i).address, SAFETY_PARAMS)),
    laterRounds,
  };
}
