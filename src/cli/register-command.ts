import { type Command, Option } from 'commander';
import { addressOf } from '../core/address.js';
import { registerBody } from '../core/tx.js';
import {
  type KeyOptions,
  type RpcOptions,
  addKeyOrDataDirOptions,
  addRpcOptions,
  intArg,
  nonceOption,
  resolveSigningKey,
  rpcFrom,
  signEncoded,
  signingContext,
  submitHex,
  waitAndReport,
  waitOption,
} from './client-options.js';

interface RegisterOptions extends RpcOptions, KeyOptions {
  stake: number;
  capacity?: number;
  nonce?: number;
  wait?: boolean;
}

/**
 * `posplus register --stake N [--capacity C] [--key FILE | --data-dir DIR] [--nonce N] [--wait]`: a signed
 * REGISTER transaction (the seed's REGISTER). There is no node-signed register RPC, so without --key the
 * node's own key is read from its data directory. Prints the transaction id (hex) on stdout.
 */
export function registerRegisterCommand(program: Command): void {
  const cmd = program
    .command('register')
    .description('stake tokens to become a validator candidate (a signed REGISTER transaction); prints the transaction id')
    .addOption(new Option('--stake <n>', 'tokens to move from balance to stake, a whole number >= 1').argParser(intArg(1)).makeOptionMandatory())
    .addOption(
      new Option('--capacity <c>', 'declared compute capacity, a whole number >= 0 (default: the account\'s current capacity)').argParser(intArg(0)),
    )
    .addOption(nonceOption());
  addKeyOrDataDirOptions(cmd, 'sign with this key file (from keygen, or a node.key) instead of the node key in --data-dir');
  cmd.addOption(waitOption());
  addRpcOptions(cmd);
  cmd.action(async (opts: RegisterOptions) => {
    const { identity } = await resolveSigningKey(opts, 'register');
    const rpc = rpcFrom(opts);
    const { chainId, account } = await signingContext(rpc, identity);
    const capacity = opts.capacity ?? account.capacity ?? 0;
    const signed = signEncoded(chainId, identity, registerBody(opts.stake, capacity, opts.nonce ?? account.pendingNonce));
    const id = await submitHex(rpc, signed.hex);
    process.stdout.write(`${id}\n`);
    process.stderr.write(`register: ${addressOf(identity.keyPair.publicKey)} stakes ${opts.stake} (capacity ${capacity})\n`);
    if (opts.wait) await waitAndReport(rpc, id);
  });
}
