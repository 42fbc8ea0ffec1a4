/**
 * The one order of runs and cells used by every writer: engines in the order given (the command line's), then
 * malicious count, then seed. Sorting here, rather than trusting the order runs finished in, is what makes the
 * files independent of scheduling.
 */
import { ENGINE_NAMES, type EngineName } from '../../core/behavior.js';
import { LOAD_NAMES, type LoadName, type RunResult } from './run-result.js';

/**
 * Compares engines by their place in `order`; engines not in it come after, in ENGINE_NAMES order, then by name
 * (so that no input is ever ordered by chance).
 */
export function engineComparator(order: readonly EngineName[] = ENGINE_NAMES): (a: string, b: string) => number {
  const rank = (e: string): number => {
    const i = order.indexOf(e as EngineName);
    if (i >= 0) return i;
    const j = (ENGINE_NAMES as readonly string[]).indexOf(e);
    return order.length + (j >= 0 ? j : ENGINE_NAMES.length);
  };
  return (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The cells of an experiment: engine, then malicious count, then load (paper first; a cell's runs differ in seed only). */
function cellComparator(order: readonly EngineName[] = ENGINE_NAMES): (a: RunResult, b: RunResult) => number {
  const byEngine = engineComparator(order);
  return (a, b) => byEngine(a.engine, b.engine) || a.malicious - b.malicious || LOAD_NAMES.indexOf(a.load) - LOAD_NAMES.indexOf(b.load);
}

/** Each cell's runs together, by seed. */
export function runComparator(order: readonly EngineName[] = ENGINE_NAMES): (a: RunResult, b: RunResult) => number {
  const byCell = cellComparator(order);
  return (a, b) => byCell(a, b) || a.seed - b.seed;
}

/** The loads that occur in `runs`, paper first. */
export function loadsOf(runs: readonly RunResult[]): LoadName[] {
  return LOAD_NAMES.filter((l) => runs.some((r) => r.load === l));
}

/** The engines that occur in `runs`, in order. */
export function enginesOf(runs: readonly RunResult[], order: readonly EngineName[] = ENGINE_NAMES): EngineName[] {
  return [...new Set(runs.map((r) => r.engine))].sort(engineComparator(order));
}

/** The malicious counts that occur in `runs`, ascending. */
export function maliciousCountsOf(runs: readonly RunResult[]): number[] {
  return [...new Set(runs.map((r) => r.malicious))].sort((a, b) => a - b);
}
