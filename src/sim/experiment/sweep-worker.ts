import { parentPort } from 'node:worker_threads';
import { type RunJob, runOne } from './run-one.js';
import type { ExperimentSpec } from './spec.js';

/** Runs the jobs the sweep hands it, one at a time, and posts each result back. */
parentPort!.on('message', ({ spec, job }: { spec: ExperimentSpec; job: RunJob }) => {
  try {
    parentPort!.postMessage({ ok: true, result: runOne(spec, job) });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) });
  }
});
