/** Bit i of a bitmap is byte i/8, bit i%8 from the lowest: the layout of ballot bits and trusted-list bits. */
export function bitmapOf(length: number, isSet: (i: number) => boolean): Uint8Array {
  const bits = new Uint8Array(Math.ceil(length / 8));
  for (let i = 0; i < length; i++) if (isSet(i)) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

export const bitAt = (bits: Uint8Array, i: number): boolean => (((bits[i >> 3] ?? 0) >> (i & 7)) & 1) === 1;
