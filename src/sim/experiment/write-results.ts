/**
 * Writes every result file of an experiment into one directory. This is the only writer here that touches the
 * disk; the contents all come from the pure functions beside it. Each file is written to `name.tmp` and then
 * renamed over `name`, so an interrupted run leaves either the old file or the new one, never half of one.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { figureSvgs } from './figures.js';
import { reportMarkdown } from './report-md.js';
import type { ExperimentMeta, RunResult } from './run-result.js';
import { runsCsv } from './runs-csv.js';
import { summaryJson } from './summary.js';

/** Writes `text` to `path` through `path.tmp` and a rename; the temporary file is removed if the write fails. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Creates `dir` (and its parents) if needed and writes runs.csv, summary.json, report.md and the four figures
 * into it. Returns the paths written, in that order.
 */
export async function writeResults(dir: string, runs: readonly RunResult[], meta: ExperimentMeta): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['runs.csv', runsCsv(runs, meta.engines)],
    ['summary.json', summaryJson(runs, meta)],
    ['report.md', reportMarkdown(runs, meta)],
    ...figureSvgs(runs, meta.engines),
  ];
  const paths: string[] = [];
  for (const [name, text] of files) {
    const path = join(dir, name);
    await writeFileAtomic(path, text);
    paths.push(path);
  }
  return paths;
}
