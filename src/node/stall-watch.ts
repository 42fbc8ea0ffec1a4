/**
 * A stalled chain, as /health reports it: work pending (transactions, evidence) and no block committed for a
 * set time. An idle chain is not stalled, and neither is one that just got work after a long quiet. Time comes
 * in as `now`; the node looks once a second and at every commit.
 */
export class StallWatch {
  /** Since when work has waited with no commit; undefined while there is none. */
  private since?: number;

  constructor(readonly limitMs: number) {}

  look(now: number, hasWork: boolean): void {
    if (!hasWork) this.since = undefined;
    else this.since ??= now;
  }

  committed(): void {
    this.since = undefined;
  }

  /** How long work has waited, once that reaches the limit; undefined before. */
  stalledFor(now: number): number | undefined {
    return this.since !== undefined && now - this.since >= this.limitMs ? now - this.since : undefined;
  }
}
