import { answersCall, ballotKey, callDigest, slotKey, verifyBallot } from '../core/ballots.js';
import { bytesEqual } from '../core/bytes.js';
import { BoundedMap } from '../core/bounded-map.js';
import { contentId } from '../core/object-memo.js';
import { TxSetBallot, type TxSetCall } from '../core/wire/posplus.js';

/**
 * Ballot objects whose check passed, with the chain id it passed for. Wire messages never change once built
 * (see object-memo.ts), so in the simulator, where every replica is handed the same object, the first replica's
 * check answers for all; the per-store cache below still serves a node, whose copies of a ballot (gossiped,
 * then inside a block) are different objects.
 */
const checkedObjects = new WeakMap<TxSetBallot, string>();

/**
 * The transaction-set ballots a replica holds, by height, the first of each (voter, height, round) kept; and a
 * cache of the ballots whose signature it has checked. Shared by NCCA's and RPCA's transaction-set votes.
 */
export class BallotStore {
  private readonly byHeight = new Map<number, Map<string, TxSetBallot>>();
  /** Slots already shown to conflict, by height: one piece of evidence per voter and round is enough. */
  private readonly conflicts = new Map<number, Set<string>>();
  private readonly verified = new BoundedMap<string, true>(8_192);

  has(b: TxSetBallot): boolean {
    return this.byHeight.get(b.height)?.has(ballotKey(b)) ?? false;
  }

  /** The ballot `voter` holds for `call` already (signed before a restart): answering it anew could differ. */
  ownAnswer(voter: Uint8Array, call: TxSetCall): TxSetBallot | undefined {
    const kept = this.byHeight.get(call.height)?.get(slotKey(voter, call.height, call.round));
    return kept !== undefined && bytesEqual(kept.call, callDigest(call)) ? kept : undefined;
  }

  /**
   * The ballot kept in `b`'s slot when `b` answers the same call with other contents (its voter equivocated),
   * the first time that slot shows a conflict. `b` is checked (throwing InvalidMessage) before the slot counts
   * as shown: a forgery in the voter's name must not use up the slot's one proof.
   */
  conflictOf(chainId: string, b: TxSetBallot): TxSetBallot | undefined {
    const key = ballotKey(b);
    const kept = this.byHeight.get(b.height)?.get(key);
    if (kept === undefined || kept === b || !answersCall(b) || !bytesEqual(kept.call, b.call)) return undefined;
    // Every copy of a ballot that arrives again comes here: the content ids are memoized per object.
    if (contentId(TxSetBallot, kept) === contentId(TxSetBallot, b) || this.conflicts.get(b.height)?.has(key)) return undefined;
    this.verify(chainId, b);
    let reported = this.conflicts.get(b.height);
    if (reported === undefined) this.conflicts.set(b.height, (reported = new Set()));
    reported.add(key);
    return kept;
  }

  /** Every ballot kept for `height`, keyed by ballotKey. */
  at(height: number): ReadonlyMap<string, TxSetBallot> | undefined {
    return this.byHeight.get(height);
  }

  /** Throws InvalidMessage unless the ballot is well formed and signed by its voter. */
  verify(chainId: string, b: TxSetBallot): void {
    if (checkedObjects.get(b) === chainId) return;
    // Keyed by the whole ballot: the same signature over other contents must be checked again (and fail).
    const key = contentId(TxSetBallot, b);
    if (this.verified.has(key)) return;
    verifyBallot(chainId, b);
    this.verified.set(key, true);
    checkedObjects.set(b, chainId);
  }

  /**
   * Keeps `b` in its slot unless the slot is taken. A new height also forgets those two or more below it: only the
   * height being decided and the next are ever stored, so nothing below the one before is needed, and a replica
   * that stores only its own ballots (a lone validator, a normal voter alone in its cell) never prunes otherwise.
   */
  store(b: TxSetBallot): void {
    let at = this.byHeight.get(b.height);
    if (at === undefined) {
      this.prune(b.height - 1);
      this.byHeight.set(b.height, (at = new Map()));
    }
    if (!at.has(ballotKey(b))) at.set(ballotKey(b), b);
  }

  /** Forgets every height below `height`. */
  prune(height: number): void {
    for (const h of this.byHeight.keys()) if (h < height) this.byHeight.delete(h);
    for (const h of this.conflicts.keys()) if (h < height) this.conflicts.delete(h);
  }
}
