import type { Behavior } from '../../core/behavior.js';
import type { Prng } from '../../core/prng.js';
import { delayed } from './delay.js';
import { dormantUntil } from './dormant.js';
import { doubleSpender } from './double-spend.js';
import { dropper } from './drop.js';
import { equivocator } from './equivocate.js';
import { falseVoter } from './false-vote.js';
import { invalidProposer } from './invalid-block.js';
import { type Envelope, type Misbehavior, type MisbehaviorContext, asIs } from './misbehavior.js';
import { offlineCycle } from './offline.js';

type Active = Exclude<Behavior, { kind: 'dormant' }>;

/**
 * Where each behaviour stands between the engine and the network: those that change what is said first, those
 * that change whether and when it leaves last (so a held or dropped message is the false one, not the true).
 */
const STAGE: Readonly<Record<Active['kind'], number>> = {
  invalidblock: 0,
  falsevote: 1,
  equivocate: 2,
  doublespend: 3,
  drop: 4,
  offline: 5,
  delay: 6,
};

function one(b: Active, prng: Prng): Misbehavior {
  switch (b.kind) {
    case 'delay':
      return delayed(b.ms);
    case 'drop':
      return dropper();
    case 'equivocate':
      return equivocator(prng);
    case 'falsevote':
      return falseVoter(prng);
    case 'invalidblock':
      return invalidProposer(prng);
    case 'offline':
      return offlineCycle(b.onSec, b.offSec);
    case 'doublespend':
      return doubleSpender(prng);
  }
}

const held = (e: Envelope, earlier: number | undefined): Envelope => (earlier ? { ...e, delayMs: earlier + (e.delayMs ?? 0) } : e);

/**
 * `parts` in a row, the first nearest the engine: each outgoing envelope of one goes through the next (to the
 * peers it was meant for; holds add up), and an input from the network passes the last part first. What a
 * part's tick makes goes through the parts after it.
 */
export function compose(parts: readonly Misbehavior[]): Misbehavior {
  if (parts.length === 1) return parts[0]!;
  const through = (envelopes: Envelope[], from: number, ctx: MisbehaviorContext): Envelope[] => {
    let out = envelopes;
    for (const part of parts.slice(from)) {
      const outbound = part.outbound?.bind(part);
      if (outbound === undefined) continue;
      out = out.flatMap((e) => outbound(e.msg, { ...ctx, peers: e.to }).map((x) => held(x, e.delayMs)));
    }
    return out;
  };
  const inward = [...parts].reverse();
  return {
    outbound: (msg, ctx) => through(asIs(msg, ctx), 0, ctx),
    inbound: (input, ctx) => inward.every((part) => part.inbound?.(input, ctx) ?? true),
    tick: (ctx) => parts.flatMap((part, i) => (part.tick ? through(part.tick(ctx), i + 1, ctx) : [])),
  };
}

/**
 * The Misbehavior of a `--behavior` list (src/core/behavior.ts), or undefined for an empty list (honest). Each
 * behaviour draws from its own fork of `prng`, so listing another never changes what one does. `dormant:H`
 * holds all the others back until height H; alone, it means `drop` from H on.
 */
export function misbehaviorOf(behaviors: readonly Behavior[], prng: Prng): Misbehavior | undefined {
  if (behaviors.length === 0) return undefined;
  let dormantAt: number | undefined;
  const active: Active[] = [];
  for (const b of behaviors) {
    if (b.kind === 'dormant') dormantAt = b.height;
    else active.push(b);
  }
  active.sort((x, y) => STAGE[x.kind] - STAGE[y.kind]);
  const parts = active.length > 0 ? active.map((b) => one(b, prng.fork(b.kind))) : [dropper()];
  const composed = compose(parts);
  return dormantAt === undefined ? composed : dormantUntil(dormantAt, composed);
}
