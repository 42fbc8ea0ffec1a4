export type Hex = string;

export function toHex(bytes: Uint8Array): Hex {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Accepts an optional 0x prefix; throws on anything that is not whole bytes of hex. */
export function fromHex(hex: string): Uint8Array {
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new TypeError(`not a hex string: ${hex.length > 20 ? hex.slice(0, 20) + '…' : hex}`);
  }
  return new Uint8Array(Buffer.from(body, 'hex'));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Big-endian u64 of a safe integer, for hashing heights and rounds into seeds. */
export function u64be(value: number): Uint8Array {
  const out = new Uint8Array(8);
  writeU64be(out, 0, value);
  return out;
}

/** u64be written into `out` at `at`, for callers that assemble one buffer (the state root's account leaves). */
export function writeU64be(out: Uint8Array, at: number, value: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  // Without a BigInt for the common case (the state root writes a dozen per account per block); the same bytes.
  if (Number.isSafeInteger(value) && value >= 0) {
    view.setUint32(at, Math.floor(value / 2 ** 32));
    view.setUint32(at + 4, value % 2 ** 32);
  } else {
    view.setBigUint64(at, BigInt(value));
  }
}

/**
 * `bytes` in a buffer of its own. A decoded message's fields are views into the bytes it was decoded from, and a
 * view keeps its whole buffer alive: a transaction kept for minutes would hold the 64 KiB transport frame it came in.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}
