import { bytesEqual, concatBytes, toHex, utf8 } from './bytes.js';
import type { KeyPair } from './keys.js';
import { verifySignature } from './keys.js';
import { perCodec } from './object-memo.js';

/**
 * Every signature covers the chain id and the message kind, so a signature made for one chain or one kind
 * of message can never be replayed as another.
 */
export type SigningKind = 'tx' | 'block' | 'proposal' | 'vote' | 'evidence' | 'candidacy' | 'genesis' | 'ballot' | 'call';

/**
 * What a running chain signs under: its chain id and its genesis hash. Two chains with one chain id (a partition
 * during the ceremony, or a chain started again) then never accept each other's signatures. The start-up
 * ceremony, which comes before any genesis, signs under the chain id alone.
 */
export function signingDomain(chainId: string, genesisHash: Uint8Array): string {
  return `${chainId}/${toHex(genesisHash)}`;
}

export function signingBytes(chainId: string, kind: SigningKind, payload: Uint8Array): Uint8Array {
  return concatBytes(utf8(`posplus/${chainId}/${kind}/v1`), new Uint8Array([0]), payload);
}

export function signAs(key: KeyPair, chainId: string, kind: SigningKind, payload: Uint8Array): Uint8Array {
  return key.sign(signingBytes(chainId, kind, payload));
}

export function verifyAs(
  publicKey: Uint8Array,
  chainId: string,
  kind: SigningKind,
  payload: Uint8Array,
  signature: Uint8Array,
): boolean {
  return verifySignature(publicKey, signingBytes(chainId, kind, payload), signature);
}

interface Encoder<T> {
  encode(message: Partial<T>): Uint8Array;
}

const NO_SIGNATURE = new Uint8Array(0);

const unsigned = perCodec((codec, message) => codec.encode({ ...message, signature: NO_SIGNATURE }));

/** The bytes a protobuf message is signed over: the message itself with its signature field empty. */
export function unsignedEncoding<T extends { signature: Uint8Array }>(codec: Encoder<T>, message: T): Uint8Array {
  return unsigned(codec as Encoder<object>, message);
}

/** What a message's signature was found valid for; see verifyMessage. */
interface Verified {
  codec: object;
  signer: Uint8Array;
  chainId: string;
  kind: SigningKind;
}

const verifiedMessages = new WeakMap<object, Verified>();

/** Fills in `signature` of a message whose signer field already holds `key`'s public key. */
export function signMessage<T extends { signature: Uint8Array }>(codec: Encoder<T>, key: KeyPair, chainId: string, kind: SigningKind, message: NoInfer<T>): T {
  return { ...message, signature: signAs(key, chainId, kind, unsignedEncoding(codec, message)) };
}

export function verifyMessage<T extends { signature: Uint8Array }>(
  codec: Encoder<T>,
  signer: Uint8Array,
  chainId: string,
  kind: SigningKind,
  message: T,
): boolean {
  // Each replica verifies the same message object; a signature that verified for these exact arguments once
  // verifies again (the message is never changed, see object-memo), so only the first check does the work.
  const known = verifiedMessages.get(message);
  if (known !== undefined && known.codec === codec && known.chainId === chainId && known.kind === kind && bytesEqual(known.signer, signer)) return true;
  const ok = verifyAs(signer, chainId, kind, unsignedEncoding(codec, message), message.signature);
  if (ok) verifiedMessages.set(message, { codec, signer: new Uint8Array(signer), chainId, kind });
  return ok;
}

/**
 * Whether verifyMessage found `message`'s signature valid for `signer` (under any codec, chain or kind). What an
 * unverified message names proves nothing about that signer, so nothing may be counted against it.
 */
export function wasVerifiedFor(message: object, signer: Uint8Array): boolean {
  const known = verifiedMessages.get(message);
  return known !== undefined && bytesEqual(known.signer, signer);
}
