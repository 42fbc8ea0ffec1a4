/**
 * Number formatting for the result files. Everything goes through here so that the same double always prints
 * the same way (files must be byte-identical for identical input) and so that no file shows `-0.000`.
 */

/**
 * `x` with exactly `decimals` digits after the point; '' for undefined, NaN or ±Infinity (a metric that is not a
 * number is missing, not a value). A negative zero after rounding prints without its sign.
 */
export function fixed(x: number | undefined, decimals: number): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  const s = x.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/**
 * `x` rounded to `decimals` places as a number (for JSON), with -0 made 0. Rounding goes through the decimal
 * string, so it agrees with what `fixed` prints.
 */
export function rounded(x: number, decimals: number): number {
  const r = Number(x.toFixed(decimals));
  return r === 0 ? 0 : r;
}
