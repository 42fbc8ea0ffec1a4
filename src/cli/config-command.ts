import type { Command } from 'commander';
import { SETTINGS, loadConfig } from '../node/config.js';
import { addSettingOptions } from './setting-options.js';

/** Settings whose value is never printed, only whether it is set. */
const SECRET = new Set<string>(['GENESIS_SECRET']);

/**
 * `posplus config`: the settings a node started with the same flags, file and environment would run with, one
 * `NAME=value` line each (a .env file can take them back) with the source that won: default, default.env, the
 * --config file, the environment or a flag. It validates them as the node does, so a bad value fails here too.
 */
export function registerConfigCommand(program: Command): void {
  addSettingOptions(program.command('config').description('print the effective settings and where each comes from')).action(
    (opts: Record<string, string | boolean | undefined>) => {
      const { raw, sources, warnings } = loadConfig({ flags: opts, env: process.env, configFile: opts.config as string | undefined });
      for (const w of warnings) process.stderr.write(`posplus: ${w}\n`);
      const width = Math.max(...SETTINGS.map((s) => s.name.length + 1 + shown(s.name, raw[s.name]).length));
      for (const s of SETTINGS) {
        const line = `${s.name}=${shown(s.name, raw[s.name])}`;
        process.stdout.write(`${line.padEnd(width)}  # ${sources[s.name]}\n`);
      }
    },
  );
}

function shown(name: string, value: string): string {
  if (SECRET.has(name)) return value === '' ? '' : '(set, not shown)';
  return /[\s#"'\\]/.test(value) ? JSON.stringify(value) : value;
}
