import type { ChainState } from '../../core/chain-state.js';
import type { Prng } from '../../core/prng.js';
import type { EngineInput, Outbound } from '../engine.js';

/**
 * Scripted misbehaviour of one replica (DESIGN §6), the same code for the simulator and for a node started with
 * `--behavior`. A Misbehavior sits between an honest engine and the network: it rewrites what the replica sends
 * and filters what it receives. Pure: time is `ctx.now`, randomness a seeded Prng, and nothing here does I/O.
 */

export interface MisbehaviorContext {
  /** The replica's chain: its key signs whatever a behaviour makes up, its head tells how far the replica is. */
  readonly chain: ChainState;
  /** Milliseconds, as the engine's inputs carry them. */
  readonly now: number;
  /** The peers the message would go to (in the simulator, replica indices). */
  readonly peers: readonly number[];
  /**
   * The shell cannot address a subset of peers (gossip reaches everyone): a behaviour that would split the
   * peers and tell each side something else sends every version to all of `peers` instead. A receiver then
   * holds both versions, which proves the conflict all the same.
   */
  readonly broadcast?: boolean;
}

export interface Envelope {
  to: readonly number[];
  msg: Outbound;
  /** Hold the message this many milliseconds before it leaves. */
  delayMs?: number;
}

export interface Misbehavior<C extends MisbehaviorContext = MisbehaviorContext> {
  /** What leaves instead of `msg` (the engine's message to every peer in `ctx.peers`); [] sends nothing. */
  outbound?(msg: Outbound, ctx: C): Envelope[];
  /** False drops an input from the network before the engine sees it. */
  inbound?(input: EngineInput, ctx: C): boolean;
  /** Called now and then by the shell: messages the replica makes up on its own (not in answer to its engine). */
  tick?(ctx: C): Envelope[];
}

/** The message unchanged, to every peer. */
export const asIs = (msg: Outbound, ctx: MisbehaviorContext): Envelope[] => [{ to: ctx.peers, msg }];

/** `height/round`, the slot a proposal or vote belongs to. */
export const slotOf = (height: number, round: number): string => `${height}/${round}`;

/** Consensus traffic: everything but plain transactions. */
export const isConsensus = (msg: Outbound): boolean => msg.kind !== 'txs';

/**
 * The peers in two sides for two conflicting versions of a message: a random non-empty first side and the rest
 * (the second side is empty only with a single peer). Under `broadcast` both sides are everyone.
 */
export function twoSides(ctx: MisbehaviorContext, prng: Prng): [readonly number[], readonly number[]] {
  if (ctx.broadcast) return [ctx.peers, ctx.peers];
  const shuffled = prng.shuffle(ctx.peers);
  const cut = 1 + prng.int(Math.max(1, shuffled.length - 1));
  return [shuffled.slice(0, cut), shuffled.slice(cut)];
}
