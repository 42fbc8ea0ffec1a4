import { type PeerId, TopicValidatorResult } from '@libp2p/interface';
import { BoundedMap } from '../core/bounded-map.js';
import { ownBytes } from '../core/bytes.js';
import type { EngineInput, Outbound, Ready } from '../consensus/engine.js';
import { type TxPool, decodeOutbound, inputOf } from '../protocol/codec.js';
import { MissingTransactions } from '../protocol/compact-proposal.js';
import { type TopicRef, maxMessageBytes, parseTopic } from '../protocol/topics.js';
import { AwaitedProposals } from './awaited-proposals.js';
import { toTopicValidatorResult } from './gossip-verdict.js';
import type { Logger } from './logger.js';
import type { NodeMetrics } from './metrics.js';
import { summarize } from './outbound-summary.js';

/** What gossip intake needs of the node around it. */
export interface IntakeShell {
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  readonly selfKey: Uint8Array;
  /** The genesis topic's verdict (start-up ceremony and announcements). */
  genesisMessage(data: Uint8Array, now: number): TopicValidatorResult;
  txPool(): TxPool;
  /** Steps the engine; undefined when there is none (before the chain, or stopping). */
  feed(input: EngineInput): Ready | undefined;
  /** False only for what a `--behavior` test node chooses not to hear. */
  admits(input: EngineInput): boolean;
}

/**
 * Every gossip message enters here, checked in order of cost: its size against its topic, then its decoding,
 * then the engine's own checks (signer, signature, work). The engine's verdict becomes gossipsub's, so nothing
 * is relayed before it was checked. Accepted messages count toward their peer's exchanges (NCCA's δ).
 */
export class GossipIntake {
  private readonly awaited = new AwaitedProposals();
  /** Useful messages received per peer: the δ of NCCA's trusted-list score. */
  private readonly exchanges = new BoundedMap<string, number>(4096);

  constructor(private readonly shell: IntakeShell) {}

  validate(topic: string, peer: PeerId, frame: Uint8Array): TopicValidatorResult | Promise<TopicValidatorResult> {
    const ref = parseTopic(topic)?.ref;
    let result: TopicValidatorResult | Promise<TopicValidatorResult>;
    if (ref === undefined || frame.byteLength > maxMessageBytes(ref)) return this.judged(ref, peer, TopicValidatorResult.Reject);
    const data = ownBytes(frame);
    try {
      result = ref.kind === 'genesis' ? this.shell.genesisMessage(data, Date.now()) : this.consensusMessage(ref, data);
    } catch (err) {
      this.shell.log.debug({ topic, peer: peer.toString(), err: (err as Error).message }, 'rejected gossip');
      result = TopicValidatorResult.Reject;
    }
    return result instanceof Promise ? result.then((r) => this.judged(ref, peer, r)) : this.judged(ref, peer, result);
  }

  exchangesWith(peerId: string): number {
    return this.exchanges.get(peerId) ?? 0;
  }

  /** New transactions arrived: proposals that waited for some of them may now be judged. */
  retryAwaited(): void {
    this.awaited.retry(this.shell.txPool());
  }

  stop(): void {
    this.awaited.clear();
  }

  private judged(ref: TopicRef | undefined, peer: PeerId, result: TopicValidatorResult): TopicValidatorResult {
    this.shell.metrics.received.inc({ topic: ref?.kind ?? 'unknown', verdict: result });
    if (result === TopicValidatorResult.Accept) {
      const id = peer.toString();
      this.exchanges.set(id, (this.exchanges.get(id) ?? 0) + 1);
    }
    return result;
  }

  private consensusMessage(ref: TopicRef, data: Uint8Array): TopicValidatorResult | Promise<TopicValidatorResult> {
    let msg: Outbound | undefined;
    try {
      msg = decodeOutbound(ref, data, this.shell.selfKey, this.shell.txPool());
    } catch (err) {
      if (!(err instanceof MissingTransactions)) throw err;
      // Judged (and relayed or not) once its transactions arrive; it is not checked before, so not relayed before.
      return this.awaited.wait(err).then((proposal) => (proposal ? this.stepMessage({ kind: 'proposal', proposal }) : TopicValidatorResult.Ignore));
    }
    return msg === undefined ? TopicValidatorResult.Ignore : this.stepMessage(msg);
  }

  private stepMessage(msg: Outbound): TopicValidatorResult {
    const input = inputOf(msg, Date.now());
    if (!this.shell.admits(input)) return TopicValidatorResult.Ignore;
    const ready = this.shell.feed(input);
    // Rejects at debug, everything at trace; a hostile flood costs no summary unless the operator asked for it.
    const level = ready?.verdict === 'reject' ? 'debug' : 'trace';
    if (this.shell.log.isLevelEnabled(level)) this.shell.log[level]({ verdict: ready?.verdict, reason: ready?.reason }, `in: ${summarize(msg)}`);
    return ready ? toTopicValidatorResult(ready.verdict) : TopicValidatorResult.Ignore;
  }
}
