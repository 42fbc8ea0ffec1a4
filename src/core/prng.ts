import { concatBytes, utf8 } from './bytes.js';
import { sha256 } from './hash.js';

export type PrngSeed = string | number | Uint8Array;

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_53 = 2 ** 53;

function seedMaterial(seed: PrngSeed): Uint8Array {
  if (seed instanceof Uint8Array) return sha256(utf8('posplus/sim/prng/v1/bytes'), seed);
  return sha256(utf8(`posplus/sim/prng/v1/${typeof seed}/${String(seed)}`));
}

/**
 * A seeded pseudo-random generator for the simulator, deterministic tests and scripted behaviours: sfc32
 * (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, passes PractRand) keyed by sha256 of the
 * seed. The same seed gives the same stream on every machine; nothing here reads a clock or Math.random.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(private readonly material: Uint8Array) {
    const view = new DataView(material.buffer, material.byteOffset, material.byteLength);
    this.a = view.getUint32(0);
    this.b = view.getUint32(4);
    this.c = view.getUint32(8);
    this.d = view.getUint32(12) | 1; // the counter word; any value works, odd keeps it visibly non-zero
    for (let i = 0; i < 16; i++) this.nextU32(); // mix the key into the whole state
  }

  static from(seed: PrngSeed): Prng {
    return new Prng(seedMaterial(seed));
  }

  /**
   * An independent stream named by `label`, derived from this generator's seed (not from its current state),
   * so adding draws to one stream never shifts another. The same label gives the same stream.
   */
  fork(label: string | number): Prng {
    return new Prng(sha256(utf8('posplus/sim/prng/v1/fork'), this.material, utf8(String(label))));
  }

  /** A uniform unsigned 32-bit integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67_108_864 + lo) / TWO_POW_53;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive safe integer, got ${n}`);
    if (n <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const u = this.nextU32();
        if (u < limit) return u % n;
      }
    }
    // Beyond 2^32: rejection over 53-bit draws.
    const limit = TWO_POW_53 - (TWO_POW_53 % n);
    for (;;) {
      const u = this.next() * TWO_POW_53;
      if (u < limit) return u % n;
    }
  }

  /** A uniform integer in [lo, hi] (both inclusive). */
  range(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`range(${lo}, ${hi}) is empty`);
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const u = this.nextU32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (u >>> (8 * k)) & 0xff;
    }
    return out;
  }
}

/** A 32-byte seed for keyPairFromSeed, derived from a label without consuming a generator's stream. */
export function derivedSeed(...parts: (string | number)[]): Uint8Array {
  return sha256(concatBytes(...parts.map((p) => utf8(`${typeof p}:${String(p)}/`))));
}
