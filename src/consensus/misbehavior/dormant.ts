import type { Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, type MisbehaviorContext, asIs } from './misbehavior.js';

/**
 * DESIGN §6 `dormant:H`: honest until the replica's head reaches height `height`, then `inner` (the other
 * listed behaviours) from there on. Until then `inner` is not consulted at all, so its clocks start at H.
 */
export function dormantUntil(height: number, inner: Misbehavior): Misbehavior {
  const awake = (ctx: MisbehaviorContext): boolean => ctx.chain.head.height >= height;
  return {
    outbound: (msg: Outbound, ctx): Envelope[] => (awake(ctx) && inner.outbound ? inner.outbound(msg, ctx) : asIs(msg, ctx)),
    inbound: (input, ctx): boolean => !awake(ctx) || (inner.inbound?.(input, ctx) ?? true),
    tick: (ctx): Envelope[] => (awake(ctx) && inner.tick ? inner.tick(ctx) : []),
  };
}
