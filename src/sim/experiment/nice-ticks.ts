/**
 * Axis ticks at round numbers (1, 2 or 5 times a power of ten), so a reader can read values off the figures.
 * Heckbert's "nice numbers" rule.
 */

export interface Axis {
  /** The axis runs from lo to hi; both are ticks. */
  lo: number;
  hi: number;
  ticks: number[];
  /** Digits after the point that print every tick exactly. */
  decimals: number;
}

/** 1, 2, 5 or 10 times a power of ten, the first at least `raw`. */
function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/**
 * Round ticks covering [min, max], about `target` intervals. An empty range (min = max) is widened to one round
 * step around the value; `integer` keeps the step a whole number (for counts such as malicious nodes).
 */
export function niceAxis(min: number, max: number, target = 5, integer = false): Axis {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`axis bounds must be finite: ${min}, ${max}`);
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : niceStep(Math.abs(min) / 2);
    [min, max] = [min >= 0 && min - pad < 0 ? 0 : min - pad, max + pad];
  }
  let step = niceStep((max - min) / target);
  if (integer) step = Math.max(1, Math.round(step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)) || 0);
  return { lo: ticks[0]!, hi: ticks.at(-1)!, ticks, decimals };
}
