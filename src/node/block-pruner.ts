import type { Logger } from './logger.js';
import { type ChainStore, StoreError } from './store.js';

/** Heights one prune batch deletes: small enough that a commit waits little behind it. */
const PRUNE_BATCH = 256;
/** Pruned heights between two explicit compactions: each compaction rewrites the pruned buckets' files. */
const COMPACT_EVERY = 1_000;

/**
 * Keeps only the newest RETAIN_BLOCKS blocks on disk. After a commit it prunes what fell out of the window in the
 * background, a batch at a time: each batch queues behind the commits like any store write, so a long backlog
 * (a first start with RETAIN_BLOCKS on an old store) never holds a commit for long.
 */
export class BlockPruner {
  private running = false;
  /** The lowest held height at the last compaction. */
  private compactedAt: number;

  constructor(
    private readonly store: Pick<ChainStore, 'prune' | 'lowestHeld' | 'compactPruned'>,
    private readonly retain: number,
    private readonly log: Logger,
  ) {
    this.compactedAt = store.lowestHeld;
  }

  /** The chain's head is now `height`. */
  committed(height: number): void {
    const below = height - this.retain + 1;
    if (this.retain === 0 || this.running || below <= this.store.lowestHeld) return;
    this.running = true;
    void this.pruneTo(below).finally(() => (this.running = false));
  }

  private async pruneTo(below: number): Promise<void> {
    try {
      while ((await this.store.prune(below, PRUNE_BATCH)) < below) await new Promise((resolve) => setImmediate(resolve));
      this.log.debug({ lowestHeld: below }, 'pruned old blocks');
      if (below - this.compactedAt >= COMPACT_EVERY) {
        this.compactedAt = below;
        await this.store.compactPruned();
      }
    } catch (err) {
      // A store closed by shutdown ends it; anything else is worth a line, and the next commit tries again.
      if (!(err instanceof StoreError && err.code === 'closed')) this.log.warn({ err }, 'pruning old blocks failed');
    }
  }
}
