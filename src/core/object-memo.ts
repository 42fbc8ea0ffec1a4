import { type Hex, toHex } from './bytes.js';
import { sha256 } from './hash.js';

/**
 * Results of pure functions of wire messages, remembered by message object.
 *
 * In the simulator one proposal, vote or ballot object reaches every replica, and each of them encodes, hashes
 * and checks it again: with n replicas the same work is done n times (most of the CPU of a 250-node run). Wire
 * messages are never changed after they are built (every edit in this code base makes a new object with a spread),
 * so a result computed from an object stays its result; a WeakMap lets the memo die with the message.
 */
export function memoByObject<K extends object, V>(fn: (key: K) => V): (key: K) => V {
  const memo = new WeakMap<K, V>();
  return (key) => {
    let value = memo.get(key);
    if (value === undefined && !memo.has(key)) {
      value = fn(key);
      memo.set(key, value);
    }
    return value as V;
  };
}

interface Codec<T> {
  encode(message: T): Uint8Array;
}

/** memoByObject for a function of (codec, message): one memo per codec. */
export function perCodec<V>(compute: (codec: Codec<object>, message: object) => V): <T extends object>(codec: Codec<T>, message: T) => V {
  const memos = new WeakMap<object, (message: object) => V>();
  return (codec, message) => {
    let memo = memos.get(codec);
    if (memo === undefined) {
      memo = memoByObject((m: object) => compute(codec as Codec<object>, m));
      memos.set(codec, memo);
    }
    return memo(message);
  };
}

/** Hex SHA-256 of a message's encoding under `codec`: an id for "this exact message, byte for byte". */
export const contentId = perCodec((codec, message): Hex => toHex(sha256(codec.encode(message))));

/**
 * Hex of bytes carried by a wire message (a voter's key, a voted block hash). Each replica keys its maps by
 * these; one string object per byte array means each is encoded once and its hash computed once, not on every
 * delivery to every replica.
 */
export const hexOf = memoByObject((bytes: Uint8Array): Hex => toHex(bytes));
