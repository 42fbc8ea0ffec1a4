/** How a node stops: cleanly on a signal, at once on a second one. */
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { useCluster, waitFor } from './support/local-cluster.js';

describe('e2e: stopping a node', function () {
  this.timeout(60_000);

  describe('one signal', () => {
    const cluster = useCluster(1);
    it('SIGINT: a clean stop, exit 0', async () => {
      assert.equal(await cluster.nodes[0]!.stop('SIGINT'), 0);
      assert.match(cluster.nodes[0]!.stderr, /"shutting down"/);
    });
  });

  describe('a second signal while stopping', () => {
    const cluster = useCluster(1);
    it('SIGTERM then SIGINT: the second exits at once, exit 1, and says so', async () => {
      const node = cluster.nodes[0]!;
      const proc = node.proc!;
      // A request still being sent holds the clean stop for the RPC's grace period (2 s): the window for the second signal.
      const slow = connect(node.rpcPort, '127.0.0.1');
      await new Promise((resolve) => slow.once('connect', resolve));
      slow.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc"');
      slow.on('error', () => {});
      const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await waitFor('the node to start stopping', async () => node.stderr.includes('"shutting down"'), 5_000, 20);
      proc.kill('SIGINT');
      assert.equal(await exited, 1);
      slow.destroy();
      assert.match(cluster.nodes[0]!.stderr, /second signal while stopping: exiting at once/);
    });
  });
});
