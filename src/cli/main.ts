#!/usr/bin/env node
import './runtime-check.js';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../node/config.js';
import { VERSION } from '../node/version.js';
import { UsageError } from './errors.js';
import { registerDevnetCommand } from './devnet-command.js';
import { registerAddressCommand } from './address-command.js';
import { registerConfigCommand } from './config-command.js';
import { registerExperimentCommand } from './experiment-command.js';
import { registerDoubleSpendCommand } from './double-spend-command.js';
import { registerGenesisCommand } from './genesis-command.js';
import { registerKeygenCommand } from './keygen-command.js';
import { registerNodeCommand } from './node-command.js';
import { registerQueryCommand } from './query-command.js';
import { registerRegisterCommand } from './register-command.js';
import { registerResetCommand } from './reset-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerTxCommand } from './tx-command.js';

const program = new Command('posplus')
  .description('posplus: an Internet-of-Vehicles blockchain node on libp2p')
  .version(VERSION, '-V, --version', 'print the version')
  .exitOverride()
  .configureOutput({
    writeErr: (s) => process.stderr.write(s),
    // One prefix for every error line, commander's own usage errors included.
    outputError: (s, write) => write(s.replace(/^error: /, 'posplus: ')),
  });

registerNodeCommand(program);
registerConfigCommand(program);
registerKeygenCommand(program);
registerGenesisCommand(program);
registerAddressCommand(program);
registerRegisterCommand(program);
registerTxCommand(program);
registerQueryCommand(program);
registerStatusCommand(program);
registerResetCommand(program);
registerDoubleSpendCommand(program);
registerDevnetCommand(program);
registerExperimentCommand(program);

/** Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration; one line on stderr. */
async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    const usage = err instanceof ConfigError || err instanceof UsageError;
    process.stderr.write(`posplus: ${(err as Error).message}\n`);
    process.exit(usage ? 2 : 1);
  }
}

void main();
