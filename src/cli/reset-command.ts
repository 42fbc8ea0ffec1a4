import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { type Command, Option } from 'commander';
import { ChainStore, StoreError } from '../node/store.js';
import { UsageError } from './errors.js';
import { exists, formatKeyInfo, keyInfo, nodeKeyPath, readKeyOption } from './key-info.js';

/**
 * `posplus reset --data-dir DIR [--yes]`: deletes a stopped node's chain (blocks, accounts, WAL, position) and
 * keeps its key, so it starts over with the same identity. A running node holds the store's lock: it is refused.
 */
export function registerResetCommand(program: Command): void {
  program
    .command('reset')
    .description("delete a stopped node's chain (blocks, state, WAL, position) and keep its key; asks first unless --yes")
    .requiredOption('--data-dir <dir>', 'the data directory of the node to reset')
    .addOption(new Option('--yes', 'delete without asking (needed without a terminal)'))
    .action(async (opts: { dataDir: string; yes?: boolean }) => {
      const chainDir = join(opts.dataDir, 'chain');
      if (!(await exists(chainDir))) throw new UsageError(`no chain in ${opts.dataDir}: nothing to reset`);
      const height = await stoppedHeight(chainDir);
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw new UsageError(`not a terminal: pass --yes to delete the chain in ${opts.dataDir}`);
        const prompt = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await prompt.question(`delete the chain in ${opts.dataDir} (height ${height})? its node.key stays [y/N] `);
        prompt.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stderr.write('nothing deleted\n');
          return;
        }
      }
      await rm(chainDir, { recursive: true, force: true });
      const key = nodeKeyPath(opts.dataDir);
      const kept = (await exists(key)) ? `; kept ${key}:\n${formatKeyInfo(keyInfo(await readKeyOption(key, '--data-dir')))}` : '\n';
      process.stdout.write(`deleted the chain in ${opts.dataDir} (it was at height ${height})${kept}`);
    });
}

/** The stored head's height; refuses a store a running node holds. */
async function stoppedHeight(chainDir: string): Promise<number> {
  let store: ChainStore;
  try {
    store = await ChainStore.open(chainDir);
  } catch (err) {
    if (err instanceof StoreError && err.code === 'locked') throw new Error(`${chainDir} is in use by a running node: stop it first`);
    throw err;
  }
  try {
    return (await store.getHead())?.height ?? 0;
  } finally {
    await store.close();
  }
}
