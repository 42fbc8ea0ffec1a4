import { RpcClient } from './rpc-client.js';

/** Where a devnet's demonstration transfers go: an address nobody holds the key of. */
export const LOAD_SINK = '0x00000000000000000000000000000000000000de';

/**
 * `devnet --load R`: R transfers a second, each signed by the node it is sent to (tx_send over loopback), in
 * turn over the nodes: enough to watch blocks commit on the dashboard. A node that refuses one (its nonces are
 * far ahead, it is restarting) is skipped. Returns the function that stops it.
 */
export function startDemoLoad(rpcUrls: readonly string[], perSecond: number): () => void {
  const clients = rpcUrls.map((url) => new RpcClient(url, 5_000));
  let k = 0;
  const timer = setInterval(() => {
    const client = clients[k++ % clients.length]!;
    void client.call('tx_send', { to: LOAD_SINK, amount: 1 }).catch(() => undefined);
  }, 1000 / perSecond);
  return () => clearInterval(timer);
}
