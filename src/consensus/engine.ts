import type { Address } from '../core/address.js';
import type { EngineName } from '../core/behavior.js';
import type { Hex } from '../core/bytes.js';
import type { CommittedBlock, HeadRecord, TxStatus } from '../core/chain-state.js';
import type { EvidenceSummary } from '../core/evidence.js';
import type { Certificate, CertifiedBlock, Evidence, Proposal, Tx, TxSetBallot, TxSetCall, Vote } from '../core/wire/posplus.js';

/**
 * The pure engine interface. The node and the simulator feed inputs (each with `now`, milliseconds) and
 * carry out the returned Ready: persist `wal` and `commits` first, then publish, then call `tick` again
 * at `wakeAt`. Nothing in an engine reads a clock, draws a random number or performs I/O.
 */

export type EngineInput =
  | { type: 'txs'; txs: Tx[]; now: number; local: boolean }
  | { type: 'proposal'; proposal: Proposal; now: number }
  | { type: 'vote'; vote: Vote; now: number }
  /** The votes a round's collector gathered (BftEngine: votes climb to the proposer, which passes them on). */
  | { type: 'votes'; votes: Vote[]; now: number }
  /** The certificate of a decided height: how a node without a vote learns the decision. */
  | { type: 'certificate'; certificate: Certificate; now: number }
  | { type: 'evidence'; evidence: Evidence; now: number }
  /** NCCA transaction-set ballots: one from a cell topic, or a bundle from the multi-region topic. */
  | { type: 'ballots'; ballots: TxSetBallot[]; relayed: boolean; now: number }
  /** NCCA: the round-0 proposer's call for transaction-set ballots. */
  | { type: 'call'; call: TxSetCall; now: number }
  /** A block with its certificate, from the sync protocol. */
  | { type: 'certified'; block: CertifiedBlock; now: number }
  | { type: 'tick'; now: number };

/** Where a message goes. The shell maps scope and kind to a gossipsub topic. */
export type Outbound =
  | { kind: 'txs'; txs: Tx[] }
  /** `resend` counts re-sends of a message already published, for peers that missed it. */
  | { kind: 'proposal'; proposal: Proposal; resend?: number }
  /** `to`: the public key of the one node it is for (the round's collector); without it, every validator. */
  | { kind: 'vote'; vote: Vote; resend?: number; to?: Uint8Array }
  /** A collector's gathered votes of one round and type, for every validator. */
  | { kind: 'votes'; votes: Vote[] }
  /** A decided height's certificate, for every node. */
  | { kind: 'certificate'; certificate: Certificate }
  | { kind: 'evidence'; evidence: Evidence }
  /** A ballot: for its caller alone (`to`, a public key), or else on the voter's cell's vote topic. */
  | { kind: 'ballot'; ballot: TxSetBallot; to?: Uint8Array }
  /** Ballots together: a cell's, relayed to their caller (`to`); or, without it, for every validator (RPCA). */
  | { kind: 'bundle'; cell: number; ballots: TxSetBallot[]; to?: Uint8Array }
  /** NCCA: the round-0 proposer calls the transaction-set vote, to every node. */
  | { kind: 'call'; call: TxSetCall };

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
  /**
   * A vote in this replica's name arrived that it did not sign: another process holds its key, and the two would
   * sign different votes for one slot. The node stops and says so (a test network's --behavior node, whose own
   * misbehaving outbox signs in its name, goes on).
   */
  keyInUseElsewhere?: string;
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
