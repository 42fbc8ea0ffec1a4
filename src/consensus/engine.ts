import type { Address } from '../core/address.js';
import type { EngineName } from '../core/behavior.js';
import type { Hex } from '../core/bytes.js';
import type { CommittedBlock, HeadRecord, TxStatus } from '../core/chain-state.js';
import type { EvidenceSummary } from '../core/evidence.js';
import type { Certificate, CertifiedBlock, Evidence, Proposal, Tx, TxSetBallot, Vote } from '../core/wire/posplus.js';

/**
 * The pure engine interface. The node and the simulator feed inputs (each with `now`, milliseconds) and
 * carry out the returned Ready: persist `wal` and `commits` first, then publish, then call `tick` again
 * at `wakeAt`. Nothing in an engine reads a clock, draws a random number or performs I/O.
 */

export type EngineInput =
  | { type: 'txs'; txs: Tx[]; now: number; local: boolean }
  | { type: 'proposal'; proposal: Proposal; now: number }
  | { type: 'vote'; vote: Vote; now: number }
  | { type: 'evidence'; evidence: Evidence; now: number }
  /** NCCA transaction-set ballots: one from a cell topic, or a bundle from the multi-region topic. */
  | { type: 'ballots'; ballots: TxSetBallot[]; relayed: boolean; now: number }
  /** A block with its certificate, from the sync protocol. */
  | { type: 'certified'; block: CertifiedBlock; now: number }
  | { type: 'tick'; now: number };

/** Where a message goes. The shell maps scope and kind to a gossipsub topic. */
export type Outbound =
  | { kind: 'txs'; txs: Tx[] }
  /** `resend` counts re-sends of a message already published, for peers that missed it. */
  | { kind: 'proposal'; proposal: Proposal; resend?: number }
  | { kind: 'vote'; vote: Vote; resend?: number }
  | { kind: 'evidence'; evidence: Evidence }
  /** A normal voter's ballot, on its cell's vote topic. */
  | { kind: 'ballot'; ballot: TxSetBallot }
  /** Ballots on the multi-region topic: a validator's own, or its cell's relayed by a multi-region validator. */
  | { kind: 'bundle'; cell: number; ballots: TxSetBallot[] };

export interface Commit extends CommittedBlock {
  certificate: Certificate;
  /** What the next block is checked against; the store keeps it with the head. */
  headRecord: HeadRecord;
}

/** What a message did, so the shell can score the peer that relayed it (accept, ignore, reject). */
export type Verdict = 'accept' | 'ignore' | 'reject';

export interface Ready {
  publish: Outbound[];
  commits: Commit[];
  /** Statuses of transactions given as input, and of pending ones a commit made impossible. */
  txStatuses: TxStatus[];
  /** Evidence newly verified or raised by this replica (alerts, equivocation). */
  evidence: EvidenceSummary[];
  /** Consensus state to persist before anything in `publish` leaves the node. */
  wal?: Uint8Array;
  /** The replica saw a message for a height beyond its next one: it should sync up to at least this. */
  behindUntil?: number;
  verdict: Verdict;
  reason?: string;
  /** When the engine next needs a tick; undefined = only when something arrives. */
  wakeAt?: number;
}

export type Role = 'validator' | 'multi-region' | 'normal' | 'suspended' | 'evicted';

export interface ValidatorView {
  address: Address;
  publicKey: Hex;
  role: Role;
  cell?: number;
  credit?: number;
  stake: number;
  suspendedUntil?: number;
}

export interface EngineStatus {
  engine: EngineName;
  role: Role;
  height: number;
  headHash: Hex;
  round: number;
  step: string;
  /** Proposers of the most recent blocks, newest first. */
  recentProposers: { height: number; proposer: Address }[];
}

export type { EngineName };

export interface Engine {
  readonly name: EngineName;
  step(input: EngineInput): Ready;
  status(): EngineStatus;
  validators(): ValidatorView[];
}
