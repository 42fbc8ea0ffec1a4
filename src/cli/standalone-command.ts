/**
 * The frame of a command that runs as its own script (bench, soak): integer options checked by commander, exit 2
 * on a usage error, and the exit code the run returns.
 */
import { type Command, CommanderError, InvalidArgumentError } from 'commander';

export const intArg = (name: string, min: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return Number(v);
};

export async function runStandalone<O>(program: Command, run: (options: O) => Promise<number>): Promise<never> {
  program.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(process.argv);
  } catch (e) {
    process.exit(e instanceof CommanderError && e.exitCode === 0 ? 0 : 2);
  }
  process.exit(await run(program.opts<O & Record<string, unknown>>() as O));
}
