import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { BoundedMap } from './bounded-map.js';
import { concatBytes, fromHex, toHex } from './bytes.js';

/** ed25519 through node:crypto (OpenSSL): ~20× faster than pure-JS implementations. */

const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
const SPKI_PREFIX = fromHex('302a300506032b6570032100');

export interface KeyPair {
  readonly publicKey: Uint8Array; // 32 bytes
  readonly seed: Uint8Array; // 32 bytes, the private part
  sign(message: Uint8Array): Uint8Array;
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.byteLength !== 32) throw new TypeError('an ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.from(concatBytes(PKCS8_PREFIX, seed)), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  return {
    publicKey,
    seed: new Uint8Array(seed),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

// Verification dominates CPU on a busy node; parsing the same validator keys again each time costs ~15%.
const publicKeyCache = new Map<string, KeyObject>();
const CACHE_LIMIT = 4096;

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const id = toHex(publicKey);
  let key = publicKeyCache.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
    if (publicKeyCache.size >= CACHE_LIMIT) publicKeyCache.delete(publicKeyCache.keys().next().value as string);
    publicKeyCache.set(id, key);
  }
  return key;
}

/**
 * Signatures that verified: one gossiped vote is checked by the topic validator, then by the engine, then again in
 * the certificate of the block it ends up in (and, in the simulator, by every replica). Kept by the SHA-256 of key,
 * signature and message, so a hit is the same triple and an entry is one short string, not copies of the bytes.
 */
const verified = new BoundedMap<string, true>(65_536);

export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== 32 || signature.byteLength !== 64) return false;
  const id = createHash('sha256').update(publicKey).update(signature).update(message).digest('base64');
  if (verified.has(id)) return true;
  let ok: boolean;
  try {
    ok = verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
  if (ok) verified.set(id, true);
  return ok;
}
