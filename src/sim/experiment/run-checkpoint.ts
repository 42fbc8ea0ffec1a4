/**
 * Finished runs of an interrupted sweep, kept so a command can carry on where it stopped. The paper preset runs
 * for hours; losing every finished run to a Ctrl-C or a crash would be the worst kind of progress report. A run
 * is reused only when everything it depends on is what it was made with: the spec's run settings (not the lists
 * the sweep covers, so `--seeds 1` takes the seed-1 runs of an interrupted three-seed sweep) and the compiled
 * simulator code. A resumed sweep therefore writes the same files a fresh one would. Once the result files are
 * written, the runs they used are removed, and the directory with the last of them.
 */
import { readFile, readdir, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex, utf8 } from '../../core/bytes.js';
import { sha256 } from '../../core/hash.js';
import type { RunJob } from './run-one.js';
import type { RunResult } from './run-result.js';
import type { ExperimentSpec } from './spec.js';
import { writeFileAtomic } from './write-results.js';

const DIR = '.partial';

interface Saved {
  fingerprint: string;
  result: RunResult;
}

const fileOf = (job: RunJob): string => `${job.engine}-${job.load}-m${job.malicious}-s${job.seed}.json`;

export class RunCheckpoint {
  private readonly dir: string;

  private constructor(
    out: string,
    private readonly fingerprint: string,
  ) {
    this.dir = join(out, DIR);
  }

  /** The checkpoint of `spec` under the output directory `out`, fingerprinted with the simulator's compiled code. */
  static async open(out: string, spec: ExperimentSpec): Promise<RunCheckpoint> {
    // What runOne reads besides the job; the preset's name and the swept lists do not change a run.
    const { preset: _preset, malicious: _malicious, engines: _engines, seeds: _seeds, ...settings } = spec;
    return new RunCheckpoint(out, toHex(sha256(utf8(JSON.stringify(settings)), await codeDigest())));
  }

  /** The finished runs among `jobs` that this spec and code made; anything else in the directory is ignored. */
  async load(jobs: readonly RunJob[]): Promise<RunResult[]> {
    const names = new Set(await readdir(this.dir).catch(() => [] as string[]));
    const found: RunResult[] = [];
    for (const job of jobs) {
      if (!names.has(fileOf(job))) continue;
      const saved = await readFile(join(this.dir, fileOf(job)), 'utf8')
        .then((text) => JSON.parse(text) as Saved)
        .catch(() => undefined); // a damaged file is a run to do again, not a reason to stop
      if (saved?.fingerprint === this.fingerprint) found.push(saved.result);
    }
    return found;
  }

  async save(result: RunResult): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const saved: Saved = { fingerprint: this.fingerprint, result };
    await writeFileAtomic(join(this.dir, fileOf(result)), JSON.stringify(saved));
  }

  /** Forgets the runs of `jobs`, and the directory once nothing else is in it. */
  async clear(jobs: readonly RunJob[]): Promise<void> {
    for (const job of jobs) await rm(join(this.dir, fileOf(job)), { force: true });
    if ((await readdir(this.dir).catch(() => [])).length === 0) await rm(this.dir, { recursive: true, force: true });
  }
}

/** SHA-256 over every compiled file of src/ (this file sits in src/sim/experiment/ of the build). */
async function codeDigest(): Promise<Uint8Array> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.js')).sort();
  const parts: Uint8Array[] = [];
  for (const f of files) parts.push(utf8(f), sha256(await readFile(join(root, f))));
  return sha256(...parts);
}
