import { type Command, Option } from 'commander';
import { UsageError } from './errors.js';
import { DEFAULT_DATA_DIR, exists, formatKeyInfo, keyInfo, nodeKeyPath, readKeyOption } from './key-info.js';

/** `posplus address [--key FILE | --data-dir DIR]`: the account address and peer id of a key file. */
export function registerAddressCommand(program: Command): void {
  program
    .command('address')
    .description(`print the address and peer id of a key file (default: ${nodeKeyPath(DEFAULT_DATA_DIR)})`)
    .addOption(new Option('--key <file>', 'a key file written by keygen, or a node\'s node.key'))
    .addOption(new Option('--data-dir <dir>', 'show the key of the node with this data directory (its node.key)').conflicts('key'))
    .action(async (opts: { key?: string; dataDir?: string }) => {
      const path = opts.key ?? nodeKeyPath(opts.dataDir ?? DEFAULT_DATA_DIR);
      if (opts.key === undefined && opts.dataDir === undefined && !(await exists(path))) {
        throw new UsageError(`no key file at ${path}; pass --key FILE or --data-dir DIR`);
      }
      const identity = await readKeyOption(path, opts.key !== undefined ? '--key' : '--data-dir');
      process.stdout.write(formatKeyInfo(keyInfo(identity)));
    });
}
