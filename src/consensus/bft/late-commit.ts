import { bytesEqual } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import { type Certificate, Vote } from '../../core/wire/posplus.js';
import type { ValidatorSet } from '../validator-set.js';
import { checkedWeight } from './vote-checks.js';

/**
 * The certificate of the height just decided, still growing: precommits for the decided block that arrive after
 * the quorum that committed it. The next block carries every one its proposer holds when it proposes (CometBFT's
 * LastCommit, gathered while it waits timeout_commit), so what a block says about who voted does not depend on
 * who happened to be in the first quorum: credit that reads it punishes the silent, not the slower half.
 */
export class LateCommit {
  private readonly signers: Set<string>;
  private cert: Certificate;

  constructor(
    certificate: Certificate,
    /** The decided height's validators: the next height's may differ. */
    private readonly validators: ValidatorSet,
  ) {
    this.cert = certificate;
    this.signers = new Set(certificate.sigs.map((s) => hexOf(s.voter)));
  }

  get height(): number {
    return this.cert.height;
  }

  certificate(): Certificate {
    return this.cert;
  }

  /**
   * Takes a precommit of the decided height: true when it is a new signer's precommit for the decided block
   * (checked, signature last), false when it adds nothing (another round or block, a nil vote, a known signer).
   * Throws InvalidMessage when its voter is no validator of that height or its signature is wrong.
   */
  add(chainId: string, vote: Vote): boolean {
    if (vote.type !== Vote.Type.PRECOMMIT || vote.height !== this.cert.height || vote.round !== this.cert.round) return false;
    if (!bytesEqual(vote.blockHash, this.cert.blockHash) || this.signers.has(hexOf(vote.voter))) return false;
    checkedWeight(chainId, vote, this.validators);
    this.signers.add(hexOf(vote.voter));
    this.cert = { ...this.cert, sigs: [...this.cert.sigs, { voter: vote.voter, signature: vote.signature }] };
    return true;
  }
}
