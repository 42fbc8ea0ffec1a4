import { type Command, Option } from 'commander';
import { writeNewKeyFile } from '../node/identity.js';
import { UsageError } from './errors.js';
import { exists, formatKeyInfo, keyInfo } from './key-info.js';

export const DEFAULT_KEY_FILE = './posplus.key';

/** `posplus keygen [--out FILE]`: a new ed25519 key in libp2p's protobuf format, the same as a node.key. */
export function registerKeygenCommand(program: Command): void {
  program
    .command('keygen')
    .description('write a new key file (ed25519, the node.key format; mode 0600) and print its address and peer id')
    .addOption(new Option('--out <file>', 'where to write the key; an existing file is never overwritten').default(DEFAULT_KEY_FILE))
    .action(async (opts: { out: string }) => {
      const refuse = (): never => {
        throw new UsageError(`${opts.out} already exists; not overwriting it (choose another --out FILE)`);
      };
      if (await exists(opts.out)) refuse();
      let identity;
      try {
        identity = await writeNewKeyFile(opts.out);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') refuse();
        throw new Error(`cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      process.stdout.write(formatKeyInfo(keyInfo(identity)));
    });
}
