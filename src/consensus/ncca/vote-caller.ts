import { type Hex, toHex } from '../../core/bytes.js';
import type { TxSetBallot, TxSetCall } from '../../core/wire/posplus.js';
import { AnswerLags } from './answer-lags.js';
import type { RunningTally } from './running-tally.js';

/**
 * A settled round still waits for the missing ballots, for this many relay windows: a ballot left out of the
 * block counts as a missed vote in detection, and the farthest voters answer last (a normal voter's ballot comes
 * in its cell relay's next bundle), so going ahead at once would leave the same honest voters out of block after
 * block (in a 16-node network without attackers two honest normal nodes were suspended). Waiting for every voter
 * would let one absent voter cost every height the whole maxWaitMs. Voters known to answer later, but within
 * SLOW_VOTER_SHARE of maxWaitMs, are waited for as AnswerLags says.
 */
const GRACE_WINDOWS = 2;
/** The slowest answer (as a share of maxWaitMs) a caller still waits for once the vote has settled. */
const SLOW_VOTER_SHARE = 1 / 4;
/**
 * A call on no ids counts as settled this many relay windows after it went out, about when a call on ids settles:
 * settled at once, its two windows of grace cut off an honest validator two cells away in four blocks in a row at
 * the end of a 250-node run, which suspended it.
 */
const EMPTY_SETTLE_WINDOWS = 3;

/** One round's call as its caller runs it; `settledAt`: when every id first settled, never before `settlesFrom`. */
interface CalledRound {
  call: TxSetCall;
  digest: Hex;
  tally: RunningTally;
  calledAt: number;
  settlesFrom: number;
  settledAt?: number;
  /** Voters whose answer came after this replica went ahead. */
  late: Set<string>;
}

/** What the caller should do now: go ahead, call round 2 on `carried`, or wait until `wakeAt`. */
export type CallerStep = { ready: true } | { ready: false; wakeAt: number; carried?: Hex[] };

/**
 * The round-0 proposer's side of one height's vote: each round's call and running count, and when it may go
 * ahead (paper §2.2's "confirm at v1" once the vote settled, with the grace above for the voters still silent).
 */
export class VoteCaller {
  private height: number | undefined;
  private rounds: CalledRound[] = [];
  /** How long each voter took to answer this caller's last call to it. */
  private readonly lags: AnswerLags;

  constructor(
    private readonly maxWaitMs: number,
    private readonly relayWindowMs: number,
  ) {
    this.lags = new AnswerLags(maxWaitMs * SLOW_VOTER_SHARE);
  }

  /** Whether this replica has called the vote at `height`. */
  calling(height: number): boolean {
    return this.height === height;
  }

  /** Starts the calls of a new height (forgetting the last one's). */
  begin(height: number): void {
    this.height = height;
    this.rounds = [];
  }

  /** A call this replica just made at `now`, with the count of its answers. */
  called(call: TxSetCall, digest: Hex, tally: RunningTally, now: number): void {
    // A call on no ids settles before anyone could answer: it counts as settled when a vote on ids would.
    const settlesFrom = now + (call.ids.length === 0 ? EMPTY_SETTLE_WINDOWS * this.relayWindowMs : 0);
    this.rounds.push({ call, digest, tally, calledAt: now, settlesFrom, late: new Set() });
  }

  /** The calls made at `height`, in round order. */
  callsAt(height: number): TxSetCall[] {
    return this.calling(height) ? this.rounds.map((r) => r.call) : [];
  }

  /** The round, of this replica's own calls, that `b` answers. */
  roundOf(b: TxSetBallot): CalledRound | undefined {
    if (!this.calling(b.height)) return undefined;
    return this.rounds.find((r) => r.digest === toHex(b.call));
  }

  /** `voter`'s answer to `round`, counted at `now` (`yes(i)` for the i-th id of the call). */
  count(round: CalledRound, voter: string, yes: (i: number) => boolean, now: number): void {
    round.tally.add(voter, yes);
    this.lags.answered(voter, round.calledAt, now);
  }

  /** Whether `voter`'s answer to `round` has been counted, in time or late: a second one is worth nothing. */
  heard(round: CalledRound, voter: string): boolean {
    return round.tally.hasAnswered(voter) || round.late.has(voter);
  }

  /** `voter` answered `round` after this replica had gone ahead: only how late it was counts. */
  late(round: CalledRound, voter: string, now: number): void {
    round.late.add(voter);
    this.lags.answered(voter, round.calledAt, now);
  }

  /** Where the vote of the last round called stands at `now`, the height's round 0 having started at `startedAt`. */
  step(now: number, startedAt: number): CallerStep {
    const deadline = startedAt + this.maxWaitMs;
    if (now >= deadline) return { ready: true };
    const round = this.rounds[this.rounds.length - 1]!;
    const { settled, fates } = round.tally.fates();
    if (!settled) return { ready: false, wakeAt: deadline };
    round.settledAt ??= Math.max(now, round.settlesFrom);
    if (!round.tally.heardFromAll()) {
      const graceEnd = round.settledAt + GRACE_WINDOWS * this.relayWindowMs;
      const waitEnd = Math.min(deadline, Math.max(graceEnd, this.lags.waitUntil(round.calledAt, now, round.tally.silent())));
      if (now < waitEnd) return { ready: false, wakeAt: waitEnd };
    }
    const carried = [...fates].filter(([, f]) => f === 'carried').map(([id]) => id);
    if (this.rounds.length === 1 && carried.length > 0) return { ready: false, wakeAt: deadline, carried };
    return { ready: true };
  }
}
