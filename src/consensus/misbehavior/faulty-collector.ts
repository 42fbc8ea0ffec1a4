import type { Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, asIs } from './misbehavior.js';

/**
 * A faulty collector (simulator only, no flag): as the proposer of a round it gathers the validators' votes, then
 * either withholds what it should pass on (vote bundles and the certificate, `delayMs` undefined) or passes it
 * on `delayMs` late. Everything else it does honestly, so only the collector's duty is tested.
 */
export function faultyCollector(delayMs?: number): Misbehavior {
  return {
    outbound(msg: Outbound, ctx): Envelope[] {
      if (msg.kind !== 'votes' && msg.kind !== 'certificate') return asIs(msg, ctx);
      return delayMs === undefined ? [] : [{ to: ctx.peers, msg, delayMs }];
    },
  };
}
