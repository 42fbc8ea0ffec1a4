/**
 * Pushed events on the RPC port (DESIGN §4.4): JSON-RPC subscriptions over WebSocket and the same streams as
 * Server-Sent Events, against one real node (a single-member chain commits at once, so heights come quickly).
 */
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { RpcCallError } from '../../src/cli/rpc-client.js';
import { runCli, useCluster, waitFor } from './support/local-cluster.js';

const SINK = '0x00000000000000000000000000000000000000ee';

interface Head {
  height: number;
  hash: string;
  txs: number;
}
interface TxEvent {
  id: string;
  status: 'pending' | 'committed' | 'rejected';
  height?: number;
  reason?: string;
}

/** A WebSocket JSON-RPC client that keeps every notification of each subscription. */
async function openWs(url: string): Promise<{ call: (method: string, params?: object) => Promise<unknown>; notes: Map<string, unknown[]>; ws: WebSocket }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/');
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const waiting = new Map<number, (reply: { result?: unknown; error?: unknown }) => void>();
  const notes = new Map<string, unknown[]>();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { id?: number; method?: string; params?: { subscription: string; result: unknown }; result?: unknown; error?: unknown };
    if (m.method === 'subscription') notes.get(m.params!.subscription)!.push(m.params!.result);
    else waiting.get(m.id!)?.(m);
  });
  let next = 0;
  const call = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, (reply) => (reply.error ? reject(Object.assign(new Error(JSON.stringify(reply.error)), reply.error)) : resolve(reply.result)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  return { ws, notes, call: async (method, params) => {
    const result = await call(method, params);
    if (method === 'subscribe') notes.set(result as string, []);
    return result;
  } };
}

/** A Server-Sent Events reader of GET /events that keeps each event's name and data. */
function openSse(url: string, topics: string): { events: { event: string; data: unknown }[]; close: () => void } {
  const events: { event: string; data: unknown }[] = [];
  const req = request(`${url}/events?topics=${topics}`, (res) => {
    let buffer = '';
    res.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return { events, close: () => req.destroy() };
}

/** Sends `count` node-signed transfers in JSON-RPC batches of up to 1000. */
async function burst(url: string, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - sent) }, (_, i) => ({ jsonrpc: '2.0', id: sent + i, method: 'tx_send', params: { to: SINK, amount: 1 } }));
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    await res.text();
  }
}

async function subscriptions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^posplus_event_subscriptions (\d+)$/m.exec(text)?.[1]);
}

describe('e2e: pushed events (WebSocket subscriptions, /events)', function () {
  this.timeout(180_000);
  const cluster = useCluster(1);
  const node = () => cluster.nodes[0]!;

  it('a WebSocket subscriber and an SSE reader see every committed height exactly once and in order, across a burst', async () => {
    const client = await openWs(node().url);
    const sub = (await client.call('subscribe', { topic: 'heads' })) as string;
    const sse = openSse(node().url, 'heads');
    try {
      await waitFor('the stream to be open', async () => (await subscriptions(node().url)) === 2);
      const from = (await node().head()).height;
      await burst(node().url, 300);
      await waitFor('the burst to commit', async () => {
        const pending = await node().rpc.call<{ nonce: number; pendingNonce: number }>('account_get', { address: (await node().rpc.call<{ address: string }>('node_status')).address });
        return pending.nonce === pending.pendingNonce;
      }, 60_000);
      const top = (await node().head()).height;
      assert.ok(top > from + 1, `the burst made several heights (${from} → ${top})`);
      await waitFor('both readers to reach the head', async () => {
        const ws = client.notes.get(sub) as Head[];
        return ws.at(-1)?.height === top && (sse.events.at(-1)?.data as Head | undefined)?.height === top;
      }, 10_000);
      for (const [who, heads] of [['WebSocket', client.notes.get(sub) as Head[]], ['SSE', sse.events.map((e) => e.data as Head)]] as const) {
        const heights = heads.map((h) => h.height);
        assert.ok(heights[0]! <= from + 1, `${who}: starts by the first height after subscribing (${heights[0]})`);
        assert.deepEqual(heights, Array.from({ length: top - heights[0]! + 1 }, (_, i) => heights[0]! + i), `${who}: each height once, in order`);
        const block = await node().rpc.call<{ hash: string; txs: unknown[] }>('chain_block', { height: top });
        assert.deepEqual([heads.at(-1)!.hash, heads.at(-1)!.txs], [block.hash, block.txs.length], `${who}: the head event is the block`);
      }
      assert.ok(sse.events.every((e) => e.event === 'head'));
      assert.equal(await client.call('unsubscribe', { subscription: sub }), true);
      assert.equal(await client.call('unsubscribe', { subscription: sub }), false, 'gone after the first unsubscribe');
    } finally {
      client.ws.close();
      sse.close();
    }
    await waitFor('both subscriptions to end with their connections', async () => (await subscriptions(node().url)) === 0);
  });

  it('txs: a transfer goes pending → committed, and a double spend of its nonce → rejected', async () => {
    const sse = openSse(node().url, 'txs');
    try {
      await waitFor('the stream to be open', async () => (await subscriptions(node().url)) === 1);
      const { address } = await node().rpc.call<{ address: string }>('node_status');
      const { pendingNonce } = await node().rpc.call<{ pendingNonce: number }>('account_get', { address });
      const key = join(node().dataDir, 'node.key');
      const send = (amount: number) => runCli(['tx', '--key', key, '--nonce', String(pendingNonce), '--to', SINK, '--amount', String(amount), '--rpc', node().url]);
      const [a, b] = [await send(1), await send(2)];
      const ids = [a, b].filter((r) => r.code === 0).map((r) => r.stdout.trim());
      const fates = () => {
        const byId = new Map<string, TxEvent[]>();
        for (const e of sse.events) byId.set((e.data as TxEvent).id, [...(byId.get((e.data as TxEvent).id) ?? []), e.data as TxEvent]);
        return byId;
      };
      await waitFor('one of the two to commit and the other to be rejected', async () => {
        const all = [...fates().values()];
        return all.some((f) => f.at(-1)!.status === 'committed') && all.some((f) => f.at(-1)!.status === 'rejected');
      }, 30_000);
      const [committed] = [...fates()].filter(([, f]) => f.at(-1)!.status === 'committed');
      assert.ok(ids.includes(committed![0]), 'the committed one was accepted by tx');
      assert.deepEqual(committed![1].map((e) => e.status), ['pending', 'committed']);
      assert.equal(committed![1][1]!.height !== undefined && committed![1][1]!.height > 0, true);
      const rejected = [...fates()].filter(([, f]) => f.at(-1)!.status === 'rejected');
      assert.equal(rejected.length, 1, 'one rejection');
      assert.match(rejected[0]![1].at(-1)!.reason!, /double spend/);
      assert.ok(sse.events.every((e) => e.event === 'tx'));
    } finally {
      sse.close();
    }
  });

  it('a reader that never reads is cut off once its backlog passes the bound, and its subscription ends', async () => {
    const socket = connect(node().rpcPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET /events?topics=txs,heads HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    socket.pause();
    try {
      await waitFor('the stream to be open', async () => (await subscriptions(node().url)) === 1);
      let sent = 0;
      while ((await subscriptions(node().url)) === 1) {
        assert.ok(sent < 40_000, `still subscribed after ${sent} transactions of events`);
        await burst(node().url, 2000);
        sent += 2000;
      }
      process.stderr.write(`      slow reader cut off after ${sent} transfers\n`);
      assert.equal((await node().rpc.call<{ height: number }>('chain_head')).height > 0, true, 'the node serves on');
    } finally {
      socket.destroy();
    }
  });

  it('a WebSocket that sends requests faster than it takes answers is closed once too many are in flight', async () => {
    const ws = new WebSocket(node().url.replace(/^http/, 'ws') + '/');
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    for (let i = 0; i < 1000; i++) ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'chain_blocks', params: { from: 1, to: 100 } }));
    assert.equal(await closed, 1008, 'closed for policy');
    assert.equal((await node().rpc.call<{ height: number }>('chain_head')).height > 0, true, 'the node serves on');
  });

  it('refused: subscribe over an HTTP POST, and a foreign Origin on a stream or a WebSocket', async () => {
    await assert.rejects(node().rpc.call('subscribe', { topic: 'heads' }), (err: RpcCallError) => err.code === -32600 && /WebSocket/.test(err.message));
    const sse = await fetch(`${node().url}/events`, { headers: { origin: 'http://evil.example' } });
    assert.equal(sse.status, 403);
    assert.equal((await fetch(`${node().url}/events?topics=blocks`)).status, 400);
    const ws = new WebSocket(node().url.replace(/^http/, 'ws') + '/', { origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_, res) => resolve(res.statusCode!)).once('open', () => resolve(101)));
    assert.equal(status, 403);
  });
});
