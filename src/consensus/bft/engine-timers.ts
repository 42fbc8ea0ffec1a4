export type TimerKind = 'start' | 'propose' | 'prevote' | 'precommit' | 'resend' | 'collect' | 'ready' | 'relay';

export interface Timer {
  kind: TimerKind;
  round: number;
  at: number;
}

/** The engine's pending timeouts. The shell only learns `next()`, and ticks the engine then. */
export class EngineTimers {
  private list: Timer[] = [];

  schedule(kind: TimerKind, round: number, at: number): void {
    this.list.push({ kind, round, at });
  }

  has(kind: TimerKind): boolean {
    return this.list.some((t) => t.kind === kind);
  }

  cancel(kind: TimerKind): void {
    this.list = this.list.filter((t) => t.kind !== kind);
  }

  /** Forgets every timer but those of `kind` (a new height keeps only what outlives heights). */
  keepOnly(kind: TimerKind): void {
    this.list = this.list.filter((t) => t.kind === kind);
  }

  /** Removes and returns the timers due at `now`, earliest first. */
  takeDue(now: number): Timer[] {
    const due = this.list.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
    if (due.length > 0) this.list = this.list.filter((t) => t.at > now);
    return due;
  }

  next(): number | undefined {
    let at: number | undefined;
    for (const t of this.list) if (at === undefined || t.at < at) at = t.at;
    return at;
  }
}
