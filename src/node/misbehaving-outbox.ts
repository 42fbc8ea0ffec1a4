import { type Behavior, formatBehaviors } from '../core/behavior.js';
import type { ChainState } from '../core/chain-state.js';
import { Prng } from '../core/prng.js';
import type { EngineInput, Outbound } from '../consensus/engine.js';
import { misbehaviorOf } from '../consensus/misbehavior/compose.js';
import type { Envelope, Misbehavior, MisbehaviorContext } from '../consensus/misbehavior/misbehavior.js';
import type { Logger } from './logger.js';

/** Gossip cannot address single peers: the whole mesh stands as one peer, and an envelope to it goes to all. */
const GOSSIP: readonly number[] = [0];

/**
 * The node's end of `--behavior` (DESIGN §6): the same Misbehavior the simulator runs, between the engine and
 * gossip. Only a node started with a non-empty behaviour list has one; an honest node never builds it.
 */
export class MisbehavingOutbox {
  /** How often the node gives the behaviours a chance to act on their own (doublespend). */
  static readonly TICK_MS = 1_000;

  private constructor(
    private readonly misbehavior: Misbehavior,
    private readonly chain: () => ChainState | undefined,
    private readonly transmit: (out: Outbound) => void,
  ) {}

  /**
   * The outbox for `behaviors`, seeded from the node's address (the same node misbehaves the same way on every
   * run), with a loud warning; undefined for an empty list. `transmit` publishes one message, as an honest node
   * would.
   */
  static create(
    behaviors: readonly Behavior[],
    address: string,
    log: Logger,
    chain: () => ChainState | undefined,
    transmit: (out: Outbound) => void,
  ): MisbehavingOutbox | undefined {
    const misbehavior = misbehaviorOf(behaviors, Prng.from(`posplus/behavior/${address}`));
    if (misbehavior === undefined) return undefined;
    const list = formatBehaviors(behaviors);
    log.warn({ behaviors: list }, `test-network behaviour active: ${list} (this node misbehaves on purpose; never use it on a real network)`);
    return new MisbehavingOutbox(misbehavior, chain, transmit);
  }

  private context(chain: ChainState): MisbehaviorContext {
    return { chain, now: Date.now(), peers: GOSSIP, broadcast: true };
  }

  /** Whether a gossip message reaches the engine at all. */
  admits(input: EngineInput): boolean {
    const chain = this.chain();
    return chain === undefined || this.misbehavior.inbound?.(input, this.context(chain)) !== false;
  }

  /** Publishes what the behaviours make of an engine's message: perhaps nothing, perhaps later, perhaps two. */
  send(out: Outbound): void {
    const chain = this.chain();
    if (chain === undefined || this.misbehavior.outbound === undefined) return this.transmit(out);
    this.dispatch(this.misbehavior.outbound(out, this.context(chain)));
  }

  /** Messages the behaviours make up on their own; the node calls this every TICK_MS. */
  tick(): void {
    const chain = this.chain();
    if (chain !== undefined && this.misbehavior.tick) this.dispatch(this.misbehavior.tick(this.context(chain)));
  }

  private dispatch(envelopes: readonly Envelope[]): void {
    for (const { to, msg, delayMs } of envelopes) {
      if (to.length === 0) continue;
      // Publishing after stop() is a no-op in the node, so a held message needs no cancelling; unref keeps it
      // from holding the process open.
      if (delayMs) setTimeout(() => this.transmit(msg), delayMs).unref();
      else this.transmit(msg);
    }
  }
}
