import { BoundedMap } from '../../core/bounded-map.js';

/** Voters remembered: every voter of a large network, while an attacker cannot grow it (only voters are noted). */
const VOTERS_KEPT = 4_096;
/** Room over the last measured lag: one answer is a single sample of a link's delay, which jitters. */
const MARGIN = 1.25;

/**
 * How long each voter took to answer this replica's last call to it, as the caller measured it, including an
 * answer that came after the caller had gone ahead. A settled vote cannot change, but a ballot left out of the
 * block counts in detection as a missed vote: a caller that went ahead two relay windows after settling
 * left an honest voter 100 ms away out of every block, and detection suspended it as if it were offline. So the
 * caller also waits for the voters whose last answer came within `boundMs`, each until about when it answered
 * before. A voter that then misses that time is forgotten until it answers again, so a silent one costs at most
 * one wait; one slower than the bound is judged like an absent one, as a delaying attacker would be.
 */
export class AnswerLags {
  private readonly lags = new BoundedMap<string, number>(VOTERS_KEPT);

  constructor(private readonly boundMs: number) {}

  /** `voter` answered a call made at `calledAt` at `now`. */
  answered(voter: string, calledAt: number, now: number): void {
    this.lags.set(voter, Math.max(0, now - calledAt));
  }

  /**
   * Until when a call made at `calledAt` should wait for its `silent` voters (the call time itself when none is
   * expected). Forgets those whose expected time has passed at `now`.
   */
  waitUntil(calledAt: number, now: number, silent: Iterable<string>): number {
    let until = calledAt;
    for (const voter of silent) {
      const lag = this.lags.get(voter);
      if (lag === undefined || lag > this.boundMs) continue;
      const expected = calledAt + Math.ceil(lag * MARGIN);
      if (expected <= now) this.lags.delete(voter);
      else until = Math.max(until, expected);
    }
    return until;
  }
}
