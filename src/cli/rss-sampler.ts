/**
 * The peak resident set size of a group of processes (bench's nodes), read from /proc/<pid>/status
 * every so often: the number the kernel charges them, without instrumenting the nodes themselves.
 */
import { readFile } from 'node:fs/promises';

/** Bytes in the VmRSS line of a /proc/<pid>/status text (the kernel writes it in kB), or undefined. */
export function parseVmRss(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** The resident set size of `pid` in bytes, or undefined without /proc or once the process is gone. */
export async function readRss(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  return status === undefined ? undefined : parseVmRss(status);
}

/** Samples every pid now and then every `everyMs` until stop(), keeping the largest RSS seen. */
export class RssSampler {
  private maxBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  // Samples run one after another, so a slow read never overlaps the next and stop() can wait for the last.
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly pids: number[],
    private readonly everyMs = 500,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.everyMs);
    this.timer.unref();
  }

  /** Stops sampling; the peak RSS in MB (2^20 bytes), or null if no sample could be read (no /proc). */
  async stop(): Promise<number | null> {
    clearInterval(this.timer);
    this.tick();
    await this.pending;
    return this.maxBytes > 0 ? Math.round(this.maxBytes / 2 ** 20) : null;
  }

  private tick(): void {
    this.pending = this.pending.then(async () => {
      const sizes = await Promise.all(this.pids.map(readRss));
      for (const bytes of sizes) if (bytes !== undefined && bytes > this.maxBytes) this.maxBytes = bytes;
    });
  }
}
