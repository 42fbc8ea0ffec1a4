import type { Logger } from 'pino';
import type { Hex } from '../core/bytes.js';
import type { Mempool } from '../core/mempool.js';
import type { Tx } from '../core/wire/posplus.js';
import type { Outbound } from '../consensus/engine.js';
import { MAX_TX_BATCH, encodeTxBatch, wireOf } from '../protocol/codec.js';
import { type TopicRef, stringifyTopic } from '../protocol/topics.js';
import type { NodeMetrics } from './metrics.js';
import type { P2pHost } from './p2p-host.js';

/** Transactions wait this long for company: gossipsub's cost is per message, not per byte. */
const TX_FLUSH_MS = 100;
/** A compact proposal sends in full what reached the proposer this recently: its gossip may still be on its way. */
const INLINE_RECENT_MS = 1000;

export interface GossipOutShell {
  log: Logger;
  metrics: NodeMetrics;
  host: P2pHost;
  chainId: string;
  /** The cell whose topics this node speaks on now (it changes when the node moves). */
  cell(): number;
  mempool(): Mempool | undefined;
  stopped(): boolean;
}

/** The node's side of gossip out: engine outputs to wire messages on their topics, transactions in batches. */
export class GossipOut {
  private txOutbox: Tx[] = [];
  private txBatchSeq = 0;
  private txFlushTimer?: NodeJS.Timeout;

  constructor(private readonly shell: GossipOutShell) {}

  /** One engine output, as an honest node sends it. */
  transmit(out: Outbound): void {
    switch (out.kind) {
      case 'txs':
        this.txOutbox.push(...out.txs);
        this.txFlushTimer ??= setTimeout(() => this.flushTxs(), TX_FLUSH_MS);
        return;
      default: {
        // A node whose inbox subscription has not reached us yet gets the message where it goes without an addressee.
        const orElse = 'to' in out && out.to !== undefined ? () => this.transmit({ ...out, to: undefined }) : undefined;
        for (const { ref, data } of wireOf(out, this.shell.cell(), this.inlinePolicy(out))) this.publish(ref, data, out.kind, orElse);
      }
    }
  }

  publish(ref: TopicRef, data: Uint8Array, kind: string, orElse?: () => void): void {
    if (this.shell.stopped()) return;
    this.shell.metrics.published.inc({ kind });
    this.shell.host.services.pubsub.publish(stringifyTopic(this.shell.chainId, ref), data).catch((err: Error) => {
      this.shell.log.debug({ kind, err }, 'publish failed');
      orElse?.();
    });
  }

  stop(): void {
    clearTimeout(this.txFlushTimer);
  }

  /**
   * Which transactions of a proposal go to the validators in full: the ones that reached this node lately, or all
   * of them when the round is not the first or the proposal is sent again (something kept validators from it).
   */
  private inlinePolicy(out: Outbound): (hash: Hex) => boolean {
    if (out.kind !== 'proposal' || out.proposal.round > 0 || (out.resend ?? 0) > 0) return () => true;
    const now = Date.now();
    return (hash) => {
      const pending = this.shell.mempool()?.bySignedHash(hash);
      return pending === undefined || now - pending.arrivedAt < INLINE_RECENT_MS;
    };
  }

  private flushTxs(): void {
    this.txFlushTimer = undefined;
    const txs = this.txOutbox;
    this.txOutbox = [];
    for (let i = 0; i < txs.length; i += MAX_TX_BATCH) {
      this.publish({ kind: 'tx', cell: this.shell.cell() }, encodeTxBatch(txs.slice(i, i + MAX_TX_BATCH), this.txBatchSeq++), 'txs');
    }
  }
}
