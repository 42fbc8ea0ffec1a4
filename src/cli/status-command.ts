import { type Command, Option } from 'commander';
import { type NodeStatusView, type RpcOptions, addRpcOptions, rpcFrom } from './client-options.js';
import { RpcCallError } from './rpc-client.js';

interface PeerView {
  peerId: string;
  address: string;
  direction: string;
}

/** `posplus status [--json]`: node_status, net_peers and chain_head of one node in one request. */
export function registerStatusCommand(program: Command): void {
  const cmd = program
    .command('status')
    .description('summarise a node: identity, engine, role, cell, height, head, peers, syncing')
    .addOption(new Option('--json', 'print the raw {status, peers, head} object as JSON instead'));
  addRpcOptions(cmd);
  cmd.action(async (opts: RpcOptions & { json?: boolean }) => {
    const rpc = rpcFrom(opts);
    const [status, peers, head] = await rpc.client.batch([{ method: 'node_status' }, { method: 'net_peers' }, { method: 'chain_head' }]);
    if (status instanceof RpcCallError) throw new RpcCallError(status.code, `node_status: ${status.message}`, status.data);
    if (peers instanceof RpcCallError) throw new RpcCallError(peers.code, `net_peers: ${peers.message}`, peers.data);
    // chain_head fails while the start-up ceremony runs; the status still says so.
    const headView = head instanceof RpcCallError ? null : (head as { height: number; hash: string });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ status, peers, head: headView }, null, 2)}\n`);
      return;
    }
    const s = status as NodeStatusView;
    const p = peers as PeerView[];
    const rows: [string, string][] = [
      ['peer id', s.peerId],
      ['address', s.address],
      ['chain id', s.chainId],
      ['engine', s.engine],
      ['role', s.role],
      ['cell', String(s.cell)],
      ['height', String(headView?.height ?? s.height)],
      ['head hash', headView?.hash ?? (s.headHash || `(none: ${(head as RpcCallError).message})`)],
      ['peers', peerCount(p)],
      ['syncing', s.syncing ? 'yes' : 'no'],
      ['rpc', rpc.url],
    ];
    const width = Math.max(...rows.map(([k]) => k.length)) + 2;
    process.stdout.write(rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join('\n') + '\n');
  });
}

function peerCount(connections: PeerView[]): string {
  const peers = new Set(connections.map((c) => c.peerId)).size;
  return connections.length === peers ? String(peers) : `${peers} (${connections.length} connections)`;
}
