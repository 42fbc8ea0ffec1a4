import type { Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, asIs, isConsensus } from './misbehavior.js';

/** DESIGN §6 `delay:ms`: every consensus message the replica sends (not plain transactions) is held `ms` first. */
export function delayed(ms: number): Misbehavior {
  return {
    outbound: (msg: Outbound, ctx): Envelope[] => (isConsensus(msg) ? [{ to: ctx.peers, msg, delayMs: ms }] : asIs(msg, ctx)),
  };
}
