import type { Hex } from '../../core/bytes.js';
import type { ChainState } from '../../core/chain-state.js';
import type { Block, Vote } from '../../core/wire/posplus.js';
import type { EngineInput, Ready } from '../engine.js';
import type { ValidatorSet } from '../validator-set.js';
import type { BftRules, BftTimeouts } from './bft-rules.js';
import type { EngineTimers, TimerKind } from './engine-timers.js';
import type { EvidenceOutbox } from './evidence-outbox.js';
import type { HeightState } from './height-state.js';
import type { LateCommit } from './late-commit.js';
import type { ObserverFeed } from './observer-feed.js';
import type { VoteRouting } from './vote-routing.js';

/**
 * One replica's BFT engine as its parts see it: the intake of votes (vote-intake.ts), of decisions
 * (decision-intake.ts) and of evidence (evidence-intake.ts), and the round's steps (round-steps.ts) are functions
 * of this state, and BftEngine (bft-engine.ts) holds it and routes each input to them.
 */
export interface EngineCore {
  readonly chain: ChainState;
  readonly rules: BftRules;
  readonly timeouts: BftTimeouts;
  readonly selfKey: Hex;
  readonly timers: EngineTimers;
  readonly evidenceOut: EvidenceOutbox;
  readonly feed: ObserverFeed | undefined;
  readonly routing: VoteRouting;
  /** The height being decided. */
  readonly h: HeightState;
  readonly validatorSet: ValidatorSet;
  /** What the input being handled makes this replica do. */
  readonly out: Ready;
  /** The decided height's certificate, taking precommits that come after its quorum. */
  readonly late: LateCommit | undefined;
  /** Whether this replica collected the votes of the decided round (and so hears the late precommits alone). */
  readonly collectedLate: boolean;
  /** Resends since the round last moved or a message last counted. */
  resends: number;
  /** The height being decided: the head's plus one. */
  readonly height: number;
  readonly isValidator: boolean;
  /** The rightful proposer (and collector) of a round at this height. */
  proposerOf(round: number): Uint8Array;
  isProposer(round: number): boolean;
  schedule(kind: TimerKind, round: number, at: number): void;
  /** Whether a message of `height` is for this height; one for a later height is held or asks for sync. */
  heightGate(height: number, input: EngineInput): boolean;
  /** `announce`: this replica gathered the deciding quorum as the round's proposer, and tells every node. */
  commit(block: Block, round: number, precommits: Vote[], now: number, announce: boolean): void;
  wakeForWork(now: number): void;
  recordWal(): void;
}
