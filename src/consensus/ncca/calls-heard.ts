import type { Hex } from '../../core/bytes.js';
import { toHex } from '../../core/bytes.js';
import type { TxSetBallot, TxSetCall } from '../../core/wire/posplus.js';

/**
 * How long this replica must have held a transaction before it heard a call naming it, for a ballot that
 * abstains on all of that call to count as saying nothing. Gossip brings a transaction to every honest node
 * within a few network delays of each other, and the call reaches them over the same links after it, so what
 * counts is the difference of two paths, not their length: an honest node 250 ms away each way still holds it
 * (test/sim/detection.test.ts). At 250 ms instead of 100, calls at 100 tx/s often held no id that old, and
 * false voters slipped through every other height.
 */
export const HELD_BEFORE_CALL_MS = 100;

/** The calls of the height being decided that this replica heard (or made), by digest, with when it heard each. */
export class CallsHeard {
  private readonly byDigest = new Map<Hex, { call: TxSetCall; at: number }>();

  has(digest: Hex): boolean {
    return this.byDigest.has(digest);
  }

  get(digest: Hex): TxSetCall | undefined {
    return this.byDigest.get(digest)?.call;
  }

  /** Keeps a call, forgetting those of lower heights. */
  add(digest: Hex, call: TxSetCall, at: number): void {
    this.byDigest.set(digest, { call, at });
    for (const [d, c] of this.byDigest) if (c.call.height < call.height) this.byDigest.delete(d);
  }

  /**
   * Whether `ballot` says nothing: it abstains on every id of a call this replica heard, although this replica
   * had held one of those ids for HELD_BEFORE_CALL_MS when the call came (`arrivedAt`: when it got a pending
   * transaction the voter hears too; undefined for the others). An honest voter holds that id as well and says
   * yes to it; a ballot that takes part in no decision is no participation in the paper's η (§2.3, formula 4),
   * so detection does not count it as a message.
   */
  saysNothing(ballot: TxSetBallot, arrivedAt: (id: Hex) => number | undefined): boolean {
    if (ballot.bits.some((byte) => byte !== 0)) return false;
    const heard = this.byDigest.get(toHex(ballot.call));
    if (heard === undefined) return false;
    return heard.call.ids.some((id) => {
      const at = arrivedAt(toHex(id));
      return at !== undefined && at <= heard.at - HELD_BEFORE_CALL_MS;
    });
  }
}
