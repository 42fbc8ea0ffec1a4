import type { Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, type MisbehaviorContext, asIs } from './misbehavior.js';

/**
 * DESIGN §6 `offline:on/off`: online for `onSec` seconds, then `offSec` seconds neither sending nor receiving
 * anything on the network, over and over, counted from the first time the behaviour is consulted.
 */
export function offlineCycle(onSec: number, offSec: number): Misbehavior {
  const onMs = onSec * 1000;
  const period = onMs + offSec * 1000;
  let since: number | undefined;
  const online = (ctx: MisbehaviorContext): boolean => {
    since ??= ctx.now;
    const phase = (((ctx.now - since) % period) + period) % period;
    return phase < onMs;
  };
  return {
    inbound: (_input, ctx): boolean => online(ctx),
    outbound: (msg: Outbound, ctx): Envelope[] => (online(ctx) ? asIs(msg, ctx) : []),
  };
}
