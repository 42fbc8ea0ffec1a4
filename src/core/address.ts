import { BoundedMap } from './bounded-map.js';
import { fromHex, toHex } from './bytes.js';
import { sha256 } from './hash.js';
import { memoByObject } from './object-memo.js';

/** An account address: the first 20 bytes of sha256(ed25519 public key), written 0x-prefixed hex. */
export type Address = string;

export const ADDRESS_BYTES = 20;

export function addressBytesOf(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).subarray(0, ADDRESS_BYTES);
}

// Addresses of the same few thousand keys are asked for on every message and block; a key's bytes are its memo key.
const addresses = new BoundedMap<string, Address>(65_536);

function addressByBytes(publicKey: Uint8Array): Address {
  const key = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
  let address = addresses.get(key);
  if (address === undefined) {
    address = '0x' + toHex(addressBytesOf(publicKey));
    addresses.set(key, address);
  }
  return address;
}

/**
 * First by the array itself: wire messages never change once built (object-memo.ts), and in the simulator every
 * replica is handed the same message, so this answers without making the byte key.
 */
export const addressOf: (publicKey: Uint8Array) => Address = memoByObject(addressByBytes);

export function addressToString(bytes: Uint8Array): Address {
  return '0x' + toHex(bytes);
}

export function isAddress(text: string): boolean {
  return /^0x[0-9a-f]{40}$/.test(text);
}

export function parseAddress(text: string): Uint8Array {
  const lower = text.toLowerCase();
  if (!isAddress(lower)) throw new TypeError(`not an address (0x followed by 40 hex digits): ${text}`);
  return fromHex(lower);
}
