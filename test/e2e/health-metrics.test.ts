/**
 * What an operator scrapes and probes: GET /metrics as Prometheus text with the process, Node.js, libp2p, gossipsub
 * and node families, and GET /health turning 503 with the reason when the chain stalls with work pending.
 */
import { strict as assert } from 'node:assert';
import { oneNodePerCell, useCluster, waitFor } from './support/local-cluster.js';

const SINK = '0x00000000000000000000000000000000000000dd';

/** Every family the node must export: the list, each by one series name. */
const FAMILIES = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_seconds',
  'libp2p_connection_manager_connections',
  'gossipsub_mesh_peer_count',
  'gossipsub_msg_received_prevalidation_total',
  'posplus_build_info',
  'posplus_last_block_age_seconds',
  'posplus_block_interval_seconds_bucket',
  'posplus_syncing',
  'posplus_peer_connections',
  'posplus_mempool_bytes',
  'posplus_messages_received_total',
  'posplus_event_subscriptions',
  'posplus_height',
];

/** Prometheus text exposition: comments, or `name{labels} value`. */
const LINE = /^(#\s(HELP|TYPE)\s[a-zA-Z_:][a-zA-Z0-9_:]*\s.*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})?\s[-+0-9.eEInfNa]+(\s\d+)?)$/;

describe('e2e: /metrics and /health', function () {
  this.timeout(180_000);
  const cluster = useCluster(4, { HEALTH_STALL_S: '3' }, oneNodePerCell);

  it('/metrics parses as Prometheus text and holds every family an operator expects', async () => {
    // Blocks come with work: two transfers, two heights, so that a block interval is observed.
    await cluster.nodes[0]!.rpc.call('tx_send', { to: SINK, amount: 1 });
    await cluster.waitForHeight(1);
    await cluster.nodes[0]!.rpc.call('tx_send', { to: SINK, amount: 1 });
    await cluster.waitForHeight(2);
    const text = await (await fetch(`${cluster.nodes[0]!.url}/metrics`)).text();
    const lines = text.split('\n').filter((l) => l !== '');
    for (const line of lines) assert.match(line, LINE);
    const names = new Set(lines.filter((l) => !l.startsWith('#')).map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)![0]));
    for (const family of FAMILIES) assert.ok(names.has(family), `${family} is exported`);
    assert.match(text, /^posplus_peer_connections\{direction="(inbound|outbound)"\} [1-9]/m, 'connections by direction');
    const topics = new Set([...text.matchAll(/topic(?:Str)?="([^"]*)"/g)].map((m) => m[1]));
    for (const t of topics) assert.match(t!, /^(tx|cell-vote|multi-vote|block|proposal|approval|inbox|evidence|genesis|other)$/, 'gossipsub topic labels are topic kinds');
  });

  it('net_peers gives each peer its direction, agent, topics in common, gossipsub score and bytes each way', async () => {
    interface Peer { peerId: string; address: string; direction: string; agent?: string; latencyMs?: number; topics: string[]; score: number; bytesIn: number; bytesOut: number }
    const peers = await waitFor('identify to have named every peer', async () => {
      const ps = await cluster.nodes[0]!.rpc.call<Peer[]>('net_peers');
      return ps.length >= 3 && ps.every((p) => p.agent !== undefined) && ps;
    });
    const ids = new Set(peers.map((p) => p.peerId));
    assert.equal(ids.size, 3, 'the three other nodes');
    for (const p of peers) {
      assert.match(p.direction, /^(inbound|outbound)$/);
      assert.match(p.agent!, /libp2p/);
      assert.ok(p.latencyMs === undefined || p.latencyMs >= 0);
      assert.ok(p.topics.some((t) => t.endsWith('/block')), `shares the block topic: ${p.topics.join(', ')}`);
      assert.equal(typeof p.score, 'number');
      // Identify and gossipsub have spoken both ways on every connection by now.
      assert.ok(p.bytesIn > 0 && p.bytesOut > 0, `bytes in ${p.bytesIn}, out ${p.bytesOut}`);
    }
  });

  it('/health is 200 on a live chain and 503 with the reason once pending work waits past HEALTH_STALL_S', async () => {
    const health = async () => {
      const res = await fetch(`${cluster.nodes[0]!.url}/health`);
      return { status: res.status, body: (await res.json()) as { ok: boolean; reason?: string } };
    };
    const live = await health();
    assert.equal(live.status, 200);
    assert.equal(live.body.ok, true);
    // Two of four validators gone: no quorum, nothing commits while a transfer waits.
    await Promise.all([cluster.nodes[2]!.stop(), cluster.nodes[3]!.stop()]);
    await cluster.nodes[0]!.rpc.call('tx_send', { to: SINK, amount: 2 });
    const stalled = await waitFor('/health to report the stall', async () => {
      const h = await health();
      return h.status === 503 && h;
    }, 30_000);
    assert.match(stalled.body.reason!, /^stalled: work has been pending for \d+ s without a committed block$/);
    assert.equal(stalled.body.ok, false);
  });
});
