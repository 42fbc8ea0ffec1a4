import type { Address } from '../../core/address.js';
import type { Hex } from '../../core/bytes.js';
import type { BlockFacts, ChainState, HeadRecord, TxSetChoice } from '../../core/chain-state.js';
import type { LedgerState, StateOverlay } from '../../core/ledger.js';
import type { Block, TxSetBallot, TxSetCall } from '../../core/wire/posplus.js';
import type { Outbound, Role, Verdict } from '../engine.js';
import type { ValidatorSet } from '../validator-set.js';

/**
 * What distinguishes one BFT engine from another: who votes with what weight, and who proposes in each round.
 * Both are pure functions of the committed chain, so every honest replica agrees on them.
 */
export interface BftRules {
  validatorsFor(chain: ChainState): ValidatorSet;
  proposerOf(chain: ChainState, validators: ValidatorSet, round: number): Uint8Array;
  roleOf?(chain: ChainState, validators: ValidatorSet, key: Hex): Role;
  /** Agreement on the transaction set before each block (NCCA); without it any valid transaction may go in. */
  txSet?: TxSetRules;
  /** What the engine knows of a node beyond its stake, for operators (NCCA: cell and credit). */
  describe?(chain: ChainState, address: Address): { cell?: number; credit?: number; suspendedUntil?: number };
  /** Engine bookkeeping on the genesis state (NCCA: the first election, over the members placed at genesis). */
  atGenesis?(state: LedgerState, now: number): void;
  /** Engine bookkeeping in every block after its transactions (NCCA's credit); part of the state root. */
  afterTxs?(state: StateOverlay, block: BlockFacts, head: HeadRecord | undefined): void;
  /** Sees every consensus message of the current height with its verdict (NCCA's round-2 detection). */
  observer?: ConsensusObserver;
  /**
   * Votes climb to the round's proposer, which passes each step's quorum on in one message (NCCA: the paper's
   * proposer collects the validators' feedback). Without it every validator sends its votes to every validator.
   */
  collectVotes?: boolean;
}

/** What the engine tells an observer of the messages it handles; signers are public keys in hex. */
export interface ConsensusObserver {
  note(signer: Hex, height: number, now: number, verdict: Verdict, votedFor?: Hex): void;
  proposed(height: number, hash: Hex, now: number): void;
  /** The height committed: nothing more is noted for it. `validators`: that height's validator keys. */
  close(height: number, validators: ReadonlySet<Hex>): void;
}

/** What reaches a transaction-set vote from the network: ballots (`relayed` when in a bundle), or a call. */
export type TxSetInput = { ballots: TxSetBallot[]; relayed: boolean } | { call: TxSetCall; caller: Uint8Array };

/**
 * What an input of the vote did: the verdict, what to send now, `relayQueued` when ballots wait to be relayed
 * together (`flushRelay` hands them out `relayWindowMs` later), and pairs of ballots one voter signed for one
 * call with different contents (the engine turns each into evidence).
 */
export interface TxSetReceipt {
  verdict: Verdict;
  publish: Outbound[];
  relayQueued?: boolean;
  conflicts?: [TxSetBallot, TxSetBallot][];
}

/** What a transaction-set vote wants done now, whether the round-0 proposer may propose, and when to ask again. */
export interface TxSetPoll {
  publish: Outbound[];
  ready: boolean;
  wakeAt?: number;
}

/** A pre-proposal agreement on which transactions a block may hold (NCCA's transaction-set voting, RPCA's rounds). */
export interface TxSetRules {
  /** The longest the round-0 proposer waits for the vote before it proposes with what it has. */
  maxWaitMs: number;
  /**
   * The vote at this height as this replica runs it, `startedAt` being when its round 0 started and `proposer`
   * whether it proposes in round 0. Asked when round 0 starts, after every input of the vote, and at `wakeAt`.
   */
  poll(chain: ChainState, now: number, startedAt: number, proposer: boolean): TxSetPoll;
  /** An input of the vote, arriving at `now`. */
  receive(chain: ChainState, input: TxSetInput, now: number): TxSetReceipt;
  relayWindowMs?: number;
  flushRelay?(chain: ChainState): Outbound[];
  /** For the proposer: which pending transactions may go into the block, and the ballots (and calls) that prove it. */
  select(chain: ChainState): TxSetChoice;
  /** For every replica executing a block: each of its transactions was voted in by the block's ballots. */
  check(chain: ChainState, block: Block): void;
  /** A block this replica committed. */
  committed?(block: Block): void;
  /** Whether a ballot takes part in no decision though its voter could have (detection does not count it). */
  saysNothing?(chain: ChainState, ballot: TxSetBallot): boolean;
  /** A ballot this replica signed before it restarted (from its WAL): the same call gets the same answer. */
  restore?(chain: ChainState, ballot: TxSetBallot): void;
}

export interface BftTimeouts {
  proposeMs: number;
  prevoteMs: number;
  precommitMs: number;
  /** Added to each timeout per round, so rounds stretch until the network's real delay fits. */
  roundDeltaMs: number;
  /** Pause after a commit before the next height starts, to gather transactions into the block. */
  commitMs: number;
  /**
   * With no progress for this long, a replica sends its own proposal and votes of the round again: a peer
   * that restarted or connected late has missed them, and without them a round can wait forever.
   */
  resendMs: number;
  /**
   * With collecting rules: a vote sent to the round's collector goes to every validator too when the step has not
   * moved this long after it (the collector is faulty, or the vote or its bundle was lost). Two message delays
   * and the collector's wait, with room to spare.
   */
  collectMs: number;
}

export const DEFAULT_TIMEOUTS: BftTimeouts = { proposeMs: 2000, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500, commitMs: 100, resendMs: 2500, collectMs: 300 };
