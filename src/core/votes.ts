import { type Hex, toHex } from './bytes.js';
import { InvalidMessage } from './errors.js';
import type { KeyPair } from './keys.js';
import { signMessage, verifyMessage } from './signing.js';
import { Certificate, CommitSig, Proposal, Vote } from './wire/posplus.js';

export { Certificate, CommitSig, Proposal, Vote };

export function signVote(chainId: string, key: KeyPair, body: Omit<Vote, 'signature' | 'voter'>): Vote {
  return signMessage(Vote, key, chainId, 'vote', { ...body, voter: key.publicKey, signature: new Uint8Array(0) });
}

export function verifyVote(chainId: string, v: Vote): void {
  if (v.blockHash.byteLength !== 0 && v.blockHash.byteLength !== 32) throw new InvalidMessage('vote block hash must be 32 bytes or empty');
  if (!verifyMessage(Vote, v.voter, chainId, 'vote', v)) {
    throw new InvalidMessage('vote signature does not match its voter');
  }
}

export function decodeVote(bytes: Uint8Array): Vote {
  try {
    return Vote.decode(bytes);
  } catch (err) {
    throw new InvalidMessage(`cannot decode vote: ${(err as Error).message}`);
  }
}

/** A certificate's signatures are precommits; rebuilding the vote lets one verifier serve both. */
export function precommitOf(cert: Certificate, sig: CommitSig): Vote {
  // The same vote object for the same certificate: every replica checks the certificate a block carries, and
  // verifyMessage remembers verified signatures by message object.
  const known = precommits.get(sig);
  if (known?.cert === cert) return known.vote;
  const vote: Vote = {
    type: Vote.Type.PRECOMMIT,
    height: cert.height,
    round: cert.round,
    blockHash: cert.blockHash,
    voter: sig.voter,
    signature: sig.signature,
  };
  precommits.set(sig, { cert, vote });
  return vote;
}

const precommits = new WeakMap<CommitSig, { cert: Certificate; vote: Vote }>();

export function signProposal(chainId: string, key: KeyPair, body: Omit<Proposal, 'signature' | 'proposer'>): Proposal {
  return signMessage(Proposal, key, chainId, 'proposal', { ...body, proposer: key.publicKey, signature: new Uint8Array(0) });
}

export function verifyProposalSignature(chainId: string, p: Proposal): void {
  if (!verifyMessage(Proposal, p.proposer, chainId, 'proposal', p)) {
    throw new InvalidMessage('proposal signature does not match its proposer');
  }
}

export const voteKey = (v: Vote): Hex => `${v.type}/${v.height}/${v.round}/${toHex(v.voter)}`;
