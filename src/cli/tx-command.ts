import { type Command, Option } from 'commander';
import { parseAddress } from '../core/address.js';
import { transferBody } from '../core/tx.js';
import {
  type RpcOptions,
  FORBIDDEN,
  addKeyOption,
  addRpcOptions,
  addressArg,
  intArg,
  nonceOption,
  rpcFrom,
  signEncoded,
  signingContext,
  submitHex,
  waitAndReport,
  waitOption,
} from './client-options.js';
import { UsageError } from './errors.js';
import { readKeyOption } from './key-info.js';
import { RpcCallError } from './rpc-client.js';

interface TxOptions extends RpcOptions {
  to?: string;
  address?: string;
  amount: number;
  bpm?: number;
  nonce?: number;
  key?: string;
  wait?: boolean;
}

/**
 * `posplus tx --to ADDR --amount N [--bpm N] [--nonce N] [--key FILE] [--wait]` (alias `transaction`, the
 * seed client's name). Prints only the transaction id (hex) on stdout.
 */
export function registerTxCommand(program: Command): void {
  const cmd = program
    .command('tx')
    .alias('transaction')
    .description('send a transfer and print its transaction id (hex); without --key the node signs (loopback RPC only)')
    .addOption(new Option('--to <address>', 'recipient account address (0x followed by 40 hex digits)').argParser(addressArg))
    .addOption(new Option('--address <address>', 'same as --to (the seed client\'s name)').argParser(addressArg).conflicts('to'))
    .addOption(new Option('--amount <n>', 'amount to transfer, a whole number >= 1').argParser(intArg(1)).makeOptionMandatory())
    .addOption(new Option('--bpm <n>', 'heart-rate reading carried as data, 0-400 (as in the seed)').argParser(intArg(0, 400)))
    .addOption(nonceOption());
  addKeyOption(cmd, 'sign locally with this key file (from keygen, or a node.key) and submit with tx_submit');
  cmd.addOption(waitOption());
  addRpcOptions(cmd);
  cmd.action(async (opts: TxOptions) => {
    const to = opts.to ?? opts.address;
    if (to === undefined) throw new UsageError("tx: required option '--to <address>' not specified");
    if (opts.key === undefined && opts.nonce !== undefined) throw new UsageError('tx: --nonce needs --key (without --key the node picks the nonce)');
    const identity = opts.key === undefined ? undefined : await readKeyOption(opts.key, '--key');
    const rpc = rpcFrom(opts);
    let id: string;
    if (identity === undefined) {
      try {
        ({ id } = await rpc.call<{ id: string }>('tx_send', { to, amount: opts.amount, ...(opts.bpm !== undefined && { bpm: opts.bpm }) }));
      } catch (err) {
        if (err instanceof RpcCallError && err.code === FORBIDDEN) {
          throw new RpcCallError(err.code, `${err.message}; pass --key FILE to sign locally`, err.data);
        }
        throw err;
      }
    } else {
      const { chainId, account } = await signingContext(rpc, identity);
      const nonce = opts.nonce ?? account.pendingNonce;
      const signed = signEncoded(chainId, identity, transferBody(parseAddress(to), opts.amount, nonce, opts.bpm));
      id = await submitHex(rpc, signed.hex);
    }
    process.stdout.write(`${id}\n`);
    if (opts.wait) await waitAndReport(rpc, id);
  });
}
