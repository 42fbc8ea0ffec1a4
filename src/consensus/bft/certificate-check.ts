import { addressOf } from '../../core/address.js';
import { blockHash, headerOf } from '../../core/block.js';
import { type Hex, fromHex, toHex } from '../../core/bytes.js';
import type { HeadRecord } from '../../core/chain-state.js';
import { InvalidMessage } from '../../core/errors.js';
import { hexOf } from '../../core/object-memo.js';
import { precommitOf, verifyVote } from '../../core/votes.js';
import type { Block, BlockHeader, Certificate, Vote } from '../../core/wire/posplus.js';
import { ValidatorSet } from '../validator-set.js';

/** The certificate a quorum of precommits for `header`'s block in `round` makes. */
export function certificateOf(header: BlockHeader, round: number, precommits: readonly Vote[]): Certificate {
  return { height: header.height, round, blockHash: blockHash(header), sigs: precommits.map((v) => ({ voter: v.voter, signature: v.signature })) };
}

/** Distinct signers with valid precommit signatures, holding a quorum of `validators`. */
export function checkCertificate(chainId: string, cert: Certificate, validators: ValidatorSet): void {
  const seen = new Set<Hex>();
  let weight = 0;
  for (const sig of cert.sigs) {
    const voter = hexOf(sig.voter);
    const w = validators.weightOf(voter);
    if (w === 0 || seen.has(voter)) throw new InvalidMessage('certificate signer is not a validator or signs twice');
    verifyVote(chainId, precommitOf(cert, sig));
    seen.add(voter);
    weight += w;
  }
  if (!validators.isQuorum(weight)) throw new InvalidMessage('certificate carries no quorum of the validator weight');
}

/**
 * Every block after the first carries the certificate of its parent: a quorum of the parent height's validators
 * (kept with the head; `current` where a store predates that record) precommitting exactly the parent hash.
 */
export function checkLastCommit(chainId: string, block: Block, parent: HeadRecord | undefined, current: ValidatorSet): void {
  const header = headerOf(block);
  const cert = block.lastCommit;
  if (header.height === 1) {
    if (cert !== undefined) throw new InvalidMessage('block 1 carries a last commit, but the genesis has no certificate');
    return;
  }
  if (cert === undefined) throw new InvalidMessage(`block ${header.height} carries no certificate of its parent`);
  if (cert.height !== header.height - 1 || toHex(cert.blockHash) !== toHex(header.prevHash)) {
    throw new InvalidMessage(`block ${header.height}: last commit is not for its parent`);
  }
  const signers = parent
    ? new ValidatorSet(
        parent.validators.map((m) => ({ publicKey: fromHex(m.publicKey), key: m.publicKey, address: addressOf(fromHex(m.publicKey)), weight: m.weight })),
        current.quorum,
      )
    : current;
  checkCertificate(chainId, cert, signers);
}
