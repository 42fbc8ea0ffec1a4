import { addressOf } from './address.js';
import { headerOf } from './block.js';
import { bytesEqual, type Hex } from './bytes.js';
import { InvalidMessage } from './errors.js';
import { type EvidenceSummary, accusedBlockOf, evidenceId, makeDoubleSpendAlert, makeInvalidBlockEvidence, offenceHeightOf, offenderOf, unprovableBlock, verifyEvidence } from './evidence.js';
import type { KeyPair } from './keys.js';
import { type Account, isRegistered } from './ledger.js';
import { Evidence, type Block, type Tx } from './wire/posplus.js';

/** Evidence waiting for a block: a few blocks' worth (maxBlockEvidence is 64); more is dropped until blocks take some. */
const MAX_PENDING_EVIDENCE = 1_024;
/** How many heights back misconduct (equivocation, an invalid proposal) can still be recorded. */
export const MAX_EVIDENCE_AGE = 1_000;

/** What judging evidence reads of the replica's chain: its head, its accounts, and running a block on the head. */
export interface EvidenceGround {
  readonly chainId: string;
  readonly key: KeyPair;
  head(): { height: number; hash: Uint8Array };
  account(address: string): Account | undefined;
  /** Runs a block on the head; throws InvalidMessage when it is invalid there. */
  execute(block: Block): unknown;
}

/**
 * The evidence one replica holds: what waits for a block, and what the chain has recorded for good. It judges
 * evidence from peers and from blocks alike, in order of cost: known ids, the accused, signatures, then running
 * an accused block.
 */
export class EvidencePool {
  /** Waiting for a block, with what each shows (what detection_status lists as not yet committed). */
  private readonly pending = new Map<Hex, { evidence: Evidence; summary: EvidenceSummary }>();
  /**
   * Every piece of evidence committed on this chain, for good: a block that records one again is invalid on every
   * replica alike, one that restarted (and reloaded them, see remember) as much as one that did not. It grows only
   * with evidence committed, at most maxBlockEvidence a block, each about a funded account or a registered node.
   */
  private readonly committed = new Set<Hex>();

  constructor(private readonly ground: EvidenceGround) {}

  get size(): number {
    return this.pending.size;
  }

  /** Evidence the chain recorded before this replica started (from its store). */
  remember(ids: Iterable<Hex>): void {
    for (const id of ids) this.committed.add(id);
  }

  /** Evidence from a peer: verified, and kept for the next block unless already known. */
  admit(ev: Evidence): EvidenceSummary | undefined {
    // Known evidence is dropped before its signatures are checked. Every honest replica that sees an equivocation
    // reports it under its own signature, so each offence reaches every replica about n times with one id; checking
    // all three signatures of each copy first cost O(n²) verifications per equivocating vote (a third of the CPU of
    // the NCCA equivocation simulation). The id does not depend on the reporter, so nothing new is lost.
    if (this.known(evidenceId(ev))) return undefined;
    // Built on another head, it cannot be judged here: no fault of whoever passed it on.
    if (ev.kind === Evidence.Kind.INVALID_BLOCK && !this.builtOnHead(ev)) return undefined;
    const summary = this.judge(ev);
    if (this.known(summary.id) || this.pending.size >= MAX_PENDING_EVIDENCE) return undefined;
    this.pending.set(summary.id, { evidence: ev, summary });
    return summary;
  }

  /** Evidence a block carries, judged as a peer's would be; throws InvalidMessage. */
  judge(ev: Evidence): EvidenceSummary {
    this.checkAccused(ev);
    const summary = verifyEvidence(this.ground.chainId, ev);
    if (ev.kind === Evidence.Kind.INVALID_BLOCK) this.checkRefuted(ev);
    return summary;
  }

  /** What the pending evidence shows, in arrival order. */
  summaries(): EvidenceSummary[] {
    return [...this.pending.values()].map((p) => p.summary);
  }

  /** Whether the chain recorded this id already. */
  recorded(id: Hex): boolean {
    return this.committed.has(id);
  }

  /** A double-spend alert of this replica's own, kept unless the sender has no account or the pool is full. */
  alert(first: Tx, second: Tx): { evidence: Evidence; summary: EvidenceSummary } | undefined {
    if (this.ground.account(addressOf(first.sender)) === undefined || this.pending.size >= MAX_PENDING_EVIDENCE) return undefined;
    const evidence = makeDoubleSpendAlert(this.ground.chainId, this.ground.key, first, second, this.ground.head().height);
    const summary = verifyEvidence(this.ground.chainId, evidence);
    if (this.known(summary.id)) return undefined;
    this.pending.set(summary.id, { evidence, summary });
    return { evidence, summary };
  }

  /**
   * Evidence against a block built on the head that fails there (makeInvalidBlockEvidence); undefined for a block
   * that is valid here, built on another head, not intact (a body swapped under a signed header proves nothing
   * against its creator) or carrying such a proof itself (judging one runs one block, not a chain of them).
   */
  proveRefuted(block: Block): Evidence | undefined {
    const head = this.ground.head();
    if (!bytesEqual(headerOf(block).prevHash, head.hash) || unprovableBlock(this.ground.chainId, block) !== undefined) return undefined;
    try {
      this.ground.execute(block);
      return undefined;
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err;
    }
    return makeInvalidBlockEvidence(this.ground.chainId, this.ground.key, block, head.height);
  }

  /** What the next block may carry: pending evidence that can still be judged on the head, at most `max`. */
  forBlock(max: number): Evidence[] {
    const judgeable = [...this.pending.values()].map((p) => p.evidence).filter((ev) => ev.kind !== Evidence.Kind.INVALID_BLOCK || this.builtOnHead(ev));
    return judgeable.slice(0, max);
  }

  /** A block recorded these: they leave the pool for good; invalid-block proofs, judged on the parent just left, go too. */
  committedBlock(ids: Iterable<Hex>): void {
    for (const id of ids) {
      this.committed.add(id);
      this.pending.delete(id);
    }
    for (const [id, p] of this.pending) if (p.evidence.kind === Evidence.Kind.INVALID_BLOCK) this.pending.delete(id);
  }

  private known(id: Hex): boolean {
    return this.committed.has(id) || this.pending.has(id);
  }

  private builtOnHead(ev: Evidence): boolean {
    return bytesEqual(headerOf(accusedBlockOf(ev)).prevHash, this.ground.head().hash);
  }

  /** An invalid-block proof holds only on the accused block's parent, the head: running the block there fails. */
  private checkRefuted(ev: Evidence): void {
    if (!this.builtOnHead(ev)) throw new InvalidMessage('invalid-block proof: its block is not built on this head');
    try {
      this.ground.execute(accusedBlockOf(ev));
    } catch (err) {
      if (err instanceof InvalidMessage) return;
      throw err;
    }
    throw new InvalidMessage('invalid-block proof: the block is valid on its parent');
  }

  /**
   * Evidence is only about those the chain knows: a double spend by an account that exists, misconduct by a
   * registered node. Keys nobody funded can neither fill the pool nor a block's evidence slots with it. Misconduct
   * is judged while it is recent: an offence more than MAX_EVIDENCE_AGE heights below the next block is not.
   */
  private checkAccused(ev: Evidence): void {
    let address: string;
    let offenceHeight: number | undefined;
    try {
      address = offenderOf(ev);
      offenceHeight = offenceHeightOf(ev);
    } catch (err) {
      throw new InvalidMessage(`evidence names no one it could accuse: ${(err as Error).message}`);
    }
    if (offenceHeight !== undefined && offenceHeight + MAX_EVIDENCE_AGE < this.ground.head().height + 1) {
      throw new InvalidMessage(`evidence of an offence at height ${offenceHeight} is more than ${MAX_EVIDENCE_AGE} heights old`);
    }
    const account = this.ground.account(address);
    if (account === undefined) throw new InvalidMessage(`evidence against ${address}, which has no account`);
    if (ev.kind !== Evidence.Kind.DOUBLE_SPEND && !isRegistered(account)) throw new InvalidMessage(`evidence against ${address}, which is not a registered node`);
  }
}
