/**
 * A progress bar for `posplus experiment`, whose grid of runs can take many minutes. On a terminal it redraws
 * one line in place (\r); anywhere else (CI logs, a file) it prints one plain line per completed item, because a
 * log full of \r is unreadable. This is shell-side code, so it may read the clock; the clock is an option so
 * that the ETA can be tested.
 */

/** What the bar writes to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  /** Terminal width; a redrawn line is cut to fit so that it never wraps. */
  columns?: number;
}

export interface ProgressBarOptions {
  /** Milliseconds from any fixed origin. */
  now?: () => number;
  /** Characters between the brackets. */
  width?: number;
}

/** 1h02m, 1m20s, 45s: the two largest units, so the ETA does not jitter in the last digits. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export class ProgressBar {
  private readonly now: () => number;
  private readonly width: number;
  private readonly start: number;
  private completed = 0;
  /** Length of the line on screen (TTY), to blank what a shorter line would leave behind. */
  private shown = 0;
  private finished = false;

  constructor(
    readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    options: ProgressBarOptions = {},
  ) {
    if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a whole number >= 0, got ${total}`);
    this.now = options.now ?? (() => performance.now());
    this.width = options.width ?? 20;
    this.start = this.now();
  }

  /** Items completed so far. */
  get count(): number {
    return this.completed;
  }

  /** One more item completed; `label` says which (e.g. "ncca m=30 seed=2"). */
  tick(label = ''): void {
    if (this.finished) return;
    this.completed = Math.min(this.total, this.completed + 1);
    const line = this.line(label);
    if (!this.stream.isTTY) {
      this.stream.write(line + '\n');
      return;
    }
    const cut = this.stream.columns ? line.slice(0, Math.max(1, this.stream.columns - 1)) : line;
    this.stream.write('\r' + cut.padEnd(this.shown));
    this.shown = cut.length;
  }

  /** Ends the bar: on a terminal, moves past the redrawn line. Later ticks are ignored. */
  done(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.stream.isTTY && this.shown > 0) this.stream.write('\n');
  }

  /** `[#####-----] 12/84 ncca m=30 seed=2  eta 1m20s`; the last item shows the time taken instead. */
  private line(label: string): string {
    const filled = this.total === 0 ? this.width : Math.round((this.completed / this.total) * this.width);
    const bar = '#'.repeat(filled) + '-'.repeat(this.width - filled);
    const elapsed = this.now() - this.start;
    const tail =
      this.completed >= this.total
        ? `took ${formatDuration(elapsed)}`
        : `eta ${formatDuration((elapsed / this.completed) * (this.total - this.completed))}`;
    return `[${bar}] ${this.completed}/${this.total}${label ? ' ' + label : ''}  ${tail}`;
  }
}
