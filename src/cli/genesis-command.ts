import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { compareBytes, fromHex, toHex } from '../core/bytes.js';
import { parseGenesisSpec } from '../core/genesis.js';
import { readKeyFile } from '../node/identity.js';
import { PACKAGE_ROOT } from '../node/config.js';
import { UsageError } from './errors.js';
import { exists } from './key-info.js';

const PUBLIC_KEY = /^(?:0x)?[0-9a-fA-F]{64}$/;

/** A member given as a 64-hex-digit public key, or as a key file (`keygen`'s or a node's node.key). */
async function memberKey(arg: string): Promise<Uint8Array> {
  if (PUBLIC_KEY.test(arg)) return fromHex(arg.replace(/^0x/, '').toLowerCase());
  if (!(await exists(arg))) throw new UsageError(`--member ${arg}: neither a 64-hex-digit public key nor a key file that exists`);
  return (await readKeyFile(arg)).keyPair.publicKey;
}

/**
 * `posplus genesis --member KEY... [--from FILE] --out FILE`: a pinned genesis, for deployments that fix their
 * members instead of holding a start-up ceremony. It is the --from genesis file with the members' public keys
 * added; every replica then runs with GENESIS=that file.
 */
export function registerGenesisCommand(program: Command): void {
  program
    .command('genesis')
    .description('write a genesis file that names its members (a pinned genesis: replicas loading it hold no ceremony)')
    .requiredOption('--member <key...>', 'a member: its public key (64 hex digits) or its key file (keygen output or a node.key); repeat for each')
    .option('--from <file>', 'the genesis file to start from', resolve(PACKAGE_ROOT, 'config/genesis.json'))
    .requiredOption('--out <file>', 'where to write the pinned genesis; an existing file is never overwritten')
    .action(async (opts: { member: string[]; from: string; out: string }) => {
      if (await exists(opts.out)) throw new UsageError(`${opts.out} already exists; not overwriting it (choose another --out FILE)`);
      let base;
      try {
        base = parseGenesisSpec(JSON.parse(await readFile(opts.from, 'utf8')));
      } catch (err) {
        throw new UsageError(`--from ${opts.from}: ${(err as Error).message}`);
      }
      const keys = await Promise.all(opts.member.map(memberKey));
      const members = [...new Set(keys.sort(compareBytes).map(toHex))];
      const spec = parseGenesisSpec({ ...base, members });
      await writeFile(opts.out, `${JSON.stringify(spec, null, 2)}\n`, { flag: 'wx' });
      process.stdout.write(`genesis: ${opts.out} with ${members.length} members\n`);
    });
}
