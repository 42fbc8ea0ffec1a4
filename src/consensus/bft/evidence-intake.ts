/**
 * Evidence this replica raised or heard: kept for a block and gossiped unless someone else's copy comes first.
 */
import { headerOf } from '../../core/block.js';
import { bytesEqual } from '../../core/bytes.js';
import { InvalidMessage } from '../../core/errors.js';
import { evidenceId, makeConflictingBlocksEvidence, makeEquivocationEvidence, verifyEvidence } from '../../core/evidence.js';
import type { Block, Evidence } from '../../core/wire/posplus.js';
import { Vote } from '../../core/wire/posplus.js';
import type { EngineCore } from './engine-core.js';

export function reportEquivocation(e: EngineCore, a: Vote, b: Vote, now: number): void {
  report(e, makeEquivocationEvidence(e.chain.params.chainId, e.chain.key, Vote.encode(a), Vote.encode(b), e.chain.head.height), now);
}

/** Two blocks one creator made for one height and round (checked, signatures and all, as evidence is). */
export function reportConflict(e: EngineCore, a: Block, b: Block, now: number): void {
  const [x, y] = [headerOf(a), headerOf(b)];
  if (!bytesEqual(x.proposer, y.proposer) || x.round !== y.round) return;
  try {
    report(e, makeConflictingBlocksEvidence(e.chain.params.chainId, e.chain.key, a, b, e.chain.head.height), now);
  } catch (err) {
    if (!(err instanceof InvalidMessage)) throw err;
  }
}

/** Evidence this replica raised: kept for a block and, unless someone else's copy comes first, gossiped. */
export function report(e: EngineCore, evidence: Evidence | undefined, now: number): void {
  if (evidence === undefined) return;
  const summary = e.chain.evidence.admit(evidence);
  if (summary) {
    e.out.evidence.push(summary);
    e.evidenceOut.hold(summary.id, evidence, now);
  }
}

export function onEvidence(e: EngineCore, evidence: Evidence, now: number): void {
  const id = evidenceId(evidence);
  if (e.evidenceOut.holds(id)) {
    // A copy that silences ours must be real, or a forged one could keep an offence from the network.
    verifyEvidence(e.chain.params.chainId, evidence);
    e.evidenceOut.heard(id);
    return;
  }
  const summary = e.chain.evidence.admit(evidence);
  if (summary) e.out.evidence.push(summary);
  else e.out.verdict = 'ignore';
  e.wakeForWork(now);
}
