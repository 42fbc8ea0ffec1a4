import { addressOf } from '../../core/address.js';
import type { Prng } from '../../core/prng.js';
import { signTx, transferBody } from '../../core/tx.js';
import type { Tx } from '../../core/wire/posplus.js';
import type { Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, type MisbehaviorContext, asIs, twoSides } from './misbehavior.js';

/** A double spend at most this often (ms of ctx.now). */
export const DOUBLE_SPEND_EVERY_MS = 5_000;

/**
 * DESIGN §6 `doublespend`: now and then (on a tick, or along with an outgoing message, at most once every
 * `everyMs`) the replica signs two transfers of 1 from its own account with the same nonce, its account's next
 * free one, to two different random addresses, and sends one to each half of its peers (both to everyone under
 * `broadcast`). Honest replicas that see both raise the double-spend alert.
 */
export function doubleSpender(prng: Prng, everyMs = DOUBLE_SPEND_EVERY_MS): Misbehavior {
  let last: number | undefined;
  const spend = (ctx: MisbehaviorContext): Envelope[] => {
    if (last !== undefined && ctx.now - last < everyMs) return [];
    last = ctx.now;
    const { chain } = ctx;
    const me = addressOf(chain.key.publicKey);
    const nonce = chain.mempool.nextFreeNonce(me, chain.account(me).nonce);
    const transfer = (): Tx => signTx(chain.params.chainId, chain.key, transferBody(prng.bytes(20), 1, nonce));
    const a = transfer();
    const b = transfer();
    const [sideA, sideB] = twoSides(ctx, prng);
    // With a single peer there is no second side: it gets both.
    const second = sideB.length > 0 ? sideB : sideA;
    return [
      { to: sideA, msg: { kind: 'txs', txs: [a] } },
      { to: second, msg: { kind: 'txs', txs: [b] } },
    ];
  };
  return {
    outbound: (msg: Outbound, ctx): Envelope[] => [...asIs(msg, ctx), ...spend(ctx)],
    tick: spend,
  };
}
