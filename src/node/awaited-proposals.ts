import { InvalidMessage } from '../core/errors.js';
import type { Proposal } from '../core/wire/posplus.js';
import { MissingTransactions, expandProposal } from '../protocol/compact-proposal.js';
import type { TxPool } from '../protocol/codec.js';

/** How long a compact proposal may wait for its transactions: a gossip delay or two on a LAN, well under proposeMs. */
const WAIT_MS = 1000;
/** A peer can send compact proposals naming transactions nobody has; they must not pile up. */
const LIMIT = 8;

interface Waiting {
  missing: MissingTransactions;
  done: (p: Proposal | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * Compact proposals whose transactions have not all reached this node's pool yet (the proposer's transaction
 * gossip may still be on its way). Each is rebuilt when transactions arrive (`retry`); its promise gives the
 * rebuilt proposal, or undefined when it waited too long, did not fit, or turned out malformed.
 */
export class AwaitedProposals {
  private waiting: Waiting[] = [];

  wait(missing: MissingTransactions): Promise<Proposal | undefined> {
    if (this.waiting.length >= LIMIT) return Promise.resolve(undefined);
    return new Promise((done) => {
      const w: Waiting = { missing, done, timer: setTimeout(() => this.finish(w, undefined), WAIT_MS) };
      this.waiting.push(w);
    });
  }

  retry(pool: TxPool): void {
    for (const w of [...this.waiting]) {
      // Rebuilt only once what was missing is in: a tx batch must not cost a rebuild of every waiting block.
      if (w.missing.missing.some((h) => pool.pooled(h) === undefined)) continue;
      try {
        this.finish(w, expandProposal(w.missing.compact, pool.pooled, pool.maxTxs));
      } catch (err) {
        if (err instanceof MissingTransactions) continue;
        if (!(err instanceof InvalidMessage)) throw err;
        this.finish(w, undefined);
      }
    }
  }

  clear(): void {
    for (const w of [...this.waiting]) this.finish(w, undefined);
  }

  private finish(w: Waiting, p: Proposal | undefined): void {
    clearTimeout(w.timer);
    this.waiting = this.waiting.filter((x) => x !== w);
    w.done(p);
  }
}
