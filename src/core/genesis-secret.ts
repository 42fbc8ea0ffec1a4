import { createHmac, timingSafeEqual } from 'node:crypto';
import { utf8 } from './bytes.js';

/** 128 bits: a captured proof must not let anyone search the secret out offline. */
export const MIN_SECRET_BYTES = 16;

const HEX = /^(?:[0-9a-f]{2})+$/i;

/** How an operator makes one; said wherever a secret is missing or too short. */
export const MAKE_SECRET_HINT =
  'make one with `node -e "console.log(require(\'node:crypto\').randomBytes(32).toString(\'hex\'))" > genesis.secret` and give every replica GENESIS_SECRET_FILE=genesis.secret';

export type ProofKind = 'candidacy' | 'genesis';

/**
 * The deployment's ceremony secret. A candidate proves it knows the secret with an HMAC over its own key and the
 * chain id: the proof reveals nothing of the secret, and it cannot be moved to another key, because the candidacy
 * carrying it is signed by that key. An announced genesis carries one over its hash, so a member list that no
 * secret holder formed is refused.
 */
export class GenesisSecret {
  // An ES private field: JSON.stringify or a logged config can never show it.
  readonly #key: Uint8Array;

  private constructor(key: Uint8Array) {
    this.#key = key;
  }

  /** A secret written as hex (at least 32 digits); throws a RangeError saying what is wrong. */
  static parse(text: string): GenesisSecret {
    const hex = text.trim();
    if (!HEX.test(hex)) throw new RangeError(`is not hex digits; ${MAKE_SECRET_HINT}`);
    if (hex.length / 2 < MIN_SECRET_BYTES) throw new RangeError(`has ${hex.length * 4} bits, fewer than ${MIN_SECRET_BYTES * 8}; ${MAKE_SECRET_HINT}`);
    return new GenesisSecret(new Uint8Array(Buffer.from(hex, 'hex')));
  }

  /** The proof over a candidate's public key (`candidacy`) or an announced genesis hash (`genesis`). */
  proofFor(chainId: string, kind: ProofKind, subject: Uint8Array): Uint8Array {
    const mac = createHmac('sha256', this.#key);
    mac.update(utf8(`posplus/${chainId}/${kind}-proof/v1`));
    mac.update(new Uint8Array([0]));
    mac.update(subject);
    return new Uint8Array(mac.digest());
  }

  admits(chainId: string, kind: ProofKind, subject: Uint8Array, proof: Uint8Array): boolean {
    const expected = this.proofFor(chainId, kind, subject);
    return proof.length === expected.length && timingSafeEqual(proof, expected);
  }
}
