import { Worker } from 'node:worker_threads';
import type { RunJob } from './run-one.js';
import type { RunResult } from './run-result.js';
import type { ExperimentSpec } from './spec.js';

/**
 * Every run of a spec: seeds 1..K × loads × malicious counts × engines, seed by seed, so a sweep stopped part-way
 * has whole passes over the sweep (which `--seeds 1` can then report from the checkpoint).
 */
export function jobsOf(spec: ExperimentSpec): RunJob[] {
  const jobs: RunJob[] = [];
  for (let seed = 1; seed <= spec.seeds; seed++) {
    for (const load of spec.loads) for (const malicious of spec.malicious) for (const engine of spec.engines) jobs.push({ engine, load, malicious, seed });
  }
  return jobs;
}

/** Whether a finished run is the one `job` asks for. */
export const isRunOf = (r: RunJob, job: RunJob): boolean => r.engine === job.engine && r.load === job.load && r.malicious === job.malicious && r.seed === job.seed;

/**
 * Runs the jobs on `workers` threads, each run alone on its own thread, and calls `done` as each finishes. A run
 * depends only on its spec and job, never on which thread ran it or when, so the results (sorted by the writers)
 * are the same for any number of workers.
 */
export async function sweep(spec: ExperimentSpec, jobs: readonly RunJob[], workers: number, done: (r: RunResult) => void): Promise<RunResult[]> {
  const results: RunResult[] = [];
  const queue = [...jobs];
  const threads = Array.from({ length: Math.max(1, Math.min(workers, queue.length)) }, () => new Worker(new URL('./sweep-worker.js', import.meta.url)));
  try {
    await Promise.all(
      threads.map(
        (thread) =>
          new Promise<void>((resolve, reject) => {
            const next = (): void => {
              const job = queue.shift();
              if (job === undefined) return resolve();
              thread.postMessage({ spec, job });
            };
            thread.on('message', (m: { ok: true; result: RunResult } | { ok: false; error: string }) => {
              if (!m.ok) return reject(new Error(`a simulator run failed: ${m.error}`));
              results.push(m.result);
              done(m.result);
              next();
            });
            thread.on('error', reject);
            next();
          }),
      ),
    );
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
  return results;
}
