/**
 * `posplus experiment`: the paper's sweeps in the simulator (DESIGN §7). Every run is a deterministic function of
 * the spec and its (engine, malicious count, seed), so the files under --out are byte-identical for one command;
 * the wall time and events per second go to stderr only.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type EngineName, isEngineName } from '../core/behavior.js';
import { AVAILABLE_ENGINES } from '../consensus/create-engine.js';
import { ProgressBar, formatDuration } from '../sim/experiment/progress-bar.js';
import { type ExperimentSpec, PRESETS, SpecError, checkSpec } from '../sim/experiment/spec.js';
import { RunCheckpoint } from '../sim/experiment/run-checkpoint.js';
import { isRunOf, jobsOf, sweep } from '../sim/experiment/sweep.js';
import { LOAD_NAMES, type LoadName } from '../sim/experiment/run-result.js';
import { writeResults } from '../sim/experiment/write-results.js';
import { UsageError } from './errors.js';

interface ExperimentFlags {
  preset: string;
  nodes?: string;
  cells?: string;
  malicious?: string;
  engines?: string;
  seeds?: string;
  duration?: string;
  behaviors?: string;
  out?: string;
  workers?: string;
  speed?: string;
  loads?: string;
  fresh?: boolean;
}

export function registerExperimentCommand(program: Command): void {
  program
    .command('experiment')
    .description("run the paper's experiment in the simulator and write runs.csv, summary.json, report.md and figures 4-7")
    .option('--preset <name>', 'paper (250 nodes, 9 cells, 4 engines, 10..70 malicious, 3 seeds) or small', 'paper')
    .option('--nodes <n>', 'nodes in every run')
    .option('--cells <n>', 'region cells on the map (a square number: 9 = 3 x 3)')
    .option('--malicious <list>', 'malicious node counts, comma-separated (10,20,30)')
    .option('--engines <list>', `engines, comma-separated (${AVAILABLE_ENGINES.join(',')})`)
    .option('--seeds <k>', 'seeds per (engine, malicious count)')
    .option('--duration <seconds>', 'simulated seconds of offered load per run')
    .option('--behaviors <list>', "malicious behaviours dealt in turn, comma-separated; join several with + (dormant:30+drop)")
    .option('--loads <list>', `loads to run each point under, comma-separated: paper (the preset's rate) and saturation (more than any engine commits; blocks capped so capacity shows) (default paper)`)
    .option('--speed <min-max>', 'vehicle speeds in m/s for random-waypoint mobility (default 0-0: static)')
    .option('--out <dir>', 'output directory (default results/<preset>)')
    .option('--workers <n>', 'runs in parallel (default: the number of cores)')
    .option('--fresh', 'redo every run, even those an interrupted sweep of the same spec and code finished')
    .action(async (flags: ExperimentFlags, cmd: Command) => {
      const spec = specOf(flags);
      const out = resolve(flags.out ?? `results/${spec.preset}`);
      const workers = flags.workers === undefined ? availableParallelism() : wholeNumber(flags.workers, '--workers', 1);
      const jobs = jobsOf(spec);
      const command = ['posplus experiment', ...cmd.parent!.args.slice(1)].join(' ');
      process.stderr.write(`experiment: ${jobs.length} runs (${spec.engines.join(', ')} x ${spec.loads.join(', ')} load x malicious ${spec.malicious.join(',')} x ${spec.seeds} seeds) at ${spec.nodes} nodes on ${workers} workers\n`);
      const checkpoint = await RunCheckpoint.open(out, spec);
      const finished = flags.fresh ? [] : await checkpoint.load(jobs);
      if (finished.length > 0) process.stderr.write(`experiment: resuming, ${finished.length} of ${jobs.length} runs already done (--fresh to redo them)\n`);
      const todo = jobs.filter((j) => !finished.some((r) => isRunOf(r, j)));
      const bar = new ProgressBar(todo.length);
      const started = performance.now();
      const saves: Promise<void>[] = [];
      const ran = await sweep(spec, todo, workers, (r) => {
        saves.push(checkpoint.save(r));
        bar.tick(`${r.engine} ${r.load} m=${r.malicious} seed=${r.seed} (${r.heights} heights)`);
      });
      bar.done();
      await Promise.all(saves);
      const files = await writeResults(out, [...finished, ...ran], { ...spec, command });
      await checkpoint.clear(jobs);
      const wall = performance.now() - started;
      const events = ran.reduce((sum, r) => sum + r.events, 0);
      process.stderr.write(`experiment: ${ran.length} runs, ${events} simulated events in ${formatDuration(wall)} (${Math.round(events / (wall / 1000))} events/s)\n`);
      for (const f of files) process.stdout.write(`${f}\n`);
    });
}

function specOf(flags: ExperimentFlags): ExperimentSpec {
  if (!Object.hasOwn(PRESETS, flags.preset)) throw new UsageError(`unknown preset "${flags.preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  const base = PRESETS[flags.preset as keyof typeof PRESETS];
  const spec: ExperimentSpec = {
    ...base,
    ...(flags.nodes !== undefined ? { nodes: wholeNumber(flags.nodes, '--nodes', 4) } : {}),
    ...(flags.cells !== undefined ? { cells: wholeNumber(flags.cells, '--cells', 1) } : {}),
    ...(flags.malicious !== undefined ? { malicious: listOf(flags.malicious).map((m) => wholeNumber(m, '--malicious', 0)) } : {}),
    ...(flags.engines !== undefined ? { engines: listOf(flags.engines).map(engineOf) } : {}),
    ...(flags.seeds !== undefined ? { seeds: wholeNumber(flags.seeds, '--seeds', 1) } : {}),
    ...(flags.duration !== undefined ? { durationS: wholeNumber(flags.duration, '--duration', 1) } : {}),
    ...(flags.behaviors !== undefined ? { behaviors: flags.behaviors } : {}),
    ...(flags.speed !== undefined ? { speed: speedOf(flags.speed) } : {}),
    ...(flags.loads !== undefined ? { loads: listOf(flags.loads).map(loadOf) } : {}),
  };
  try {
    checkSpec(spec);
  } catch (err) {
    if (err instanceof SpecError) throw new UsageError(err.message);
    throw err;
  }
  return spec;
}

function speedOf(s: string): [number, number] {
  const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(s);
  if (m === null) throw new UsageError(`--speed must be MIN-MAX in m/s, such as 5-20 (got "${s}")`);
  return [Number(m[1]), Number(m[2])];
}

const listOf = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

function wholeNumber(s: string, flag: string, min: number): number {
  const n = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number >= ${min} (got "${s}")`);
  return n;
}

function loadOf(name: string): LoadName {
  if (!(LOAD_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown load "${name}" (known: ${LOAD_NAMES.join(', ')})`);
  return name as LoadName;
}

function engineOf(name: string): EngineName {
  if (!isEngineName(name) || !AVAILABLE_ENGINES.includes(name)) throw new UsageError(`unknown engine "${name}" (available: ${AVAILABLE_ENGINES.join(', ')})`);
  return name;
}
