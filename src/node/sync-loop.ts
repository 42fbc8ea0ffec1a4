import type { CatchUp, CatchUpTarget } from './catch-up.js';

/** How soon a pass asked for during another one runs. */
const AGAIN_MS = 200;

/**
 * Catch-up passes one at a time: asking during a pass runs one more after it, so a head seen mid-pass is not
 * missed. `syncing` is true while a pass is taking blocks beyond our head (what node_status and /health say).
 */
export class SyncLoop {
  syncing = false;
  private running = false;
  private wanted = false;

  constructor(
    private readonly catchUp: CatchUp,
    /** Undefined while the node has no chain yet (nothing to sync). */
    private readonly target: () => CatchUpTarget | undefined,
    /** After each pass: the node's duties that wait for the end of a sync. */
    private readonly passed: () => void,
  ) {}

  async once(): Promise<void> {
    const target = this.target();
    if (target === undefined) return;
    if (this.running) {
      this.wanted = true;
      return;
    }
    this.running = true;
    try {
      await this.catchUp.pass({
        ...target,
        take: (blocks) => {
          // Asking is routine; being behind is what counts as syncing.
          this.syncing = true;
          return target.take(blocks);
        },
      });
    } finally {
      this.running = false;
      this.syncing = false;
      this.passed();
      if (this.wanted && !target.stopping()) {
        this.wanted = false;
        setTimeout(() => void this.once(), AGAIN_MS);
      }
    }
  }
}
