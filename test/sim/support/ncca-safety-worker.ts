import { parentPort, workerData } from 'node:worker_threads';
import { type ByzantineKind, runSafetySeed } from './ncca-sim.js';

/** Runs its share of the NCCA safety scenario's seeds off the main thread, posting each report as it finishes. */
const { jobs } = workerData as { jobs: [ByzantineKind, number][] };
for (const [kind, index] of jobs) parentPort!.postMessage(runSafetySeed(kind, index));
