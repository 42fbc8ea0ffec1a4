/**
 * When a node asks its peers, unprompted, whether they are ahead. Gossip keeps a node on a live chain current, and
 * a message from a later height starts a catch-up by itself; the poll is for what gossip cannot show (an idle
 * chain, a partition that healed). A poll every few seconds to eight peers was half of what an idle 9-node LAN
 * spent, so the poll slows down while it brings nothing, and speeds up again when one does.
 */
export class SyncPoll {
  private interval: number;
  private nextAt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.interval = minMs;
  }

  due(now: number): boolean {
    return now >= this.nextAt;
  }

  /** After any catch-up pass: `progressed` when the blocks it took moved the head. */
  passed(now: number, progressed: boolean): void {
    this.interval = progressed ? this.minMs : Math.min(this.interval * 2, this.maxMs);
    this.nextAt = now + this.interval;
  }

  /** Something may have changed (a new peer): poll at the next chance, and often again. */
  wake(now: number): void {
    this.interval = this.minMs;
    this.nextAt = now;
  }
}
