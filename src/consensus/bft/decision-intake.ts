/**
 * Decisions: a collector's certificate, the certificate the next height's proposal carries, and a certified block
 * from sync.
 */
import { blockHash, headerOf } from '../../core/block.js';
import { toHex } from '../../core/bytes.js';
import { InvalidMessage } from '../../core/errors.js';
import { precommitOf } from '../../core/votes.js';
import type { Certificate, CertifiedBlock } from '../../core/wire/posplus.js';
import type { EngineInput } from '../engine.js';
import { checkCertificate } from './certificate-check.js';
import { heldValid } from './upon-rules.js';
import { startRound } from './round-steps.js';
import type { EngineCore } from './engine-core.js';

/** A decision is for this height; an older one is ignored, a newer one means this replica should sync. */
function decidesThisHeight(e: EngineCore, height: number): boolean {
  if (height === e.height) return true;
  if (height > e.height) e.out.behindUntil = height;
  e.out.verdict = 'ignore';
  return false;
}

/** A decided height: committed as soon as this replica holds the block (a normal node learns decisions so). */
export function onCertificate(e: EngineCore, cert: Certificate, input: EngineInput): void {
  if (!decidesThisHeight(e, cert.height)) return;
  if (e.h.pendingCertificate !== undefined) {
    e.out.verdict = 'ignore';
    return;
  }
  checkCertificate(e.chain.params.chainId, cert, e.validatorSet);
  e.h.pendingCertificate = cert;
  if (e.h.step === 'idle') startRound(e, e.h.round, input.now);
}

/**
 * A proposal for the next height carries the certificate of ours: a replica that missed the certificate
 * message (or whose collector withheld it) but holds the block commits it from there. Anything wrong with
 * that certificate is left for the proposal's own check.
 */
export function learnFromNextBlock(e: EngineCore, cert: Certificate, now: number): void {
  const held = heldValid(e.h, toHex(cert.blockHash));
  if (held === undefined || cert.height !== e.height) return;
  const { verdict, reason } = e.out;
  try {
    checkCertificate(e.chain.params.chainId, cert, e.validatorSet);
    e.commit(held, cert.round, cert.sigs.map((s) => precommitOf(cert, s)), now, false);
  } catch (err) {
    if (!(err instanceof InvalidMessage)) throw err;
  }
  e.out.verdict = verdict;
  e.out.reason = reason;
}

export function onCertified(e: EngineCore, cb: CertifiedBlock, now: number): void {
  const block = cb.block;
  const cert = cb.certificate;
  if (block === undefined || cert === undefined) throw new InvalidMessage('certified block lacks its block or certificate');
  const header = headerOf(block);
  if (!decidesThisHeight(e, header.height)) return;
  const hash = toHex(blockHash(header));
  if (cert.height !== header.height || toHex(cert.blockHash) !== hash) throw new InvalidMessage('certificate is for another block');
  checkCertificate(e.chain.params.chainId, cert, e.validatorSet);
  e.commit(block, cert.round, cert.sigs.map((s) => precommitOf(cert, s)), now, false);
}
