import { type Command, Option } from 'commander';
import { type RpcOptions, addRpcOptions, addressArg, intArg, rpcFrom, txIdArg } from './client-options.js';
import { RpcCallError } from './rpc-client.js';

interface QueryOptions extends RpcOptions {
  height?: number;
  tx?: string;
  account?: string;
}

const UNAVAILABLE = -32005;

/**
 * `posplus query [--height N | --tx ID | --account ADDR]`: pretty JSON of chain_block / tx_get / account_get;
 * with none of them, chain_head and node_status (the seed's BLOCKCHAIN_STATUS query).
 */
export function registerQueryCommand(program: Command): void {
  const cmd = program
    .command('query')
    .description('print a block, a transaction or an account as JSON; with no option, the chain head and node status')
    .addOption(new Option('--height <n>', 'the block at this height (chain_block)').argParser(intArg(0)))
    .addOption(new Option('--tx <id>', 'a transaction\'s status by id, 64 hex digits (tx_get)').argParser(txIdArg).conflicts('height'))
    .addOption(
      new Option('--account <address>', 'an account\'s balance, nonce and stake (account_get)').argParser(addressArg).conflicts(['height', 'tx']),
    );
  addRpcOptions(cmd);
  cmd.action(async (opts: QueryOptions) => {
    const rpc = rpcFrom(opts);
    let result: unknown;
    if (opts.height !== undefined) result = await rpc.call('chain_block', { height: opts.height });
    else if (opts.tx !== undefined) result = await rpc.call('tx_get', { id: opts.tx });
    else if (opts.account !== undefined) result = await rpc.call('account_get', { address: opts.account });
    else {
      const [head, status] = await rpc.client.batch([{ method: 'chain_head' }, { method: 'node_status' }]);
      if (status instanceof RpcCallError) throw new RpcCallError(status.code, `node_status: ${status.message}`, status.data);
      // During the start-up ceremony there is no chain yet: still show the node's status.
      if (head instanceof RpcCallError && head.code !== UNAVAILABLE) throw new RpcCallError(head.code, `chain_head: ${head.message}`, head.data);
      result = { head: head instanceof RpcCallError ? null : head, status };
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  });
}
