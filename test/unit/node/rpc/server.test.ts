import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { z } from 'zod';
import {
  FORBIDDEN,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  NOT_FOUND,
  PARSE_ERROR,
  RpcError,
} from '../../../../src/node/rpc/errors.js';
import { MAX_BODY_BYTES, RpcServer, defineMethod, isLoopback } from '../../../../src/node/rpc/server.js';
import { MAX_BATCH } from '../../../../src/node/rpc/request-gate.js';

interface JsonRpcReply {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

describe('RpcServer', () => {
  let server: RpcServer;
  let base: string;
  let notified: string[];
  const logged: { level: 'warn' | 'error'; obj: object; msg?: string }[] = [];
  const logger = {
    warn: (obj: object, msg?: string) => logged.push({ level: 'warn', obj, msg }),
    error: (obj: object, msg?: string) => logged.push({ level: 'error', obj, msg }),
  };

  before(async () => {
    notified = [];
    server = new RpcServer({ host: '127.0.0.1', port: 0, logger });
    server.register(
      'add',
      defineMethod({
        params: z.object({ a: z.number(), b: z.number() }),
        handler: ({ a, b }) => a + b,
      }),
    );
    server.register(
      'transfer',
      defineMethod({
        params: z.object({ to: z.string(), amount: z.number() }),
        handler: async ({ to, amount }) => ({ to, amount }),
      }),
    );
    server.register(
      'nested',
      defineMethod({
        params: z.object({ tx: z.object({ nonce: z.number().int() }) }),
        handler: ({ tx }) => tx.nonce,
      }),
    );
    server.register(
      'optional',
      defineMethod({
        params: z.object({ verbose: z.boolean().optional() }),
        handler: ({ verbose }) => verbose ?? false,
      }),
    );
    server.register('bigint', { params: z.object({}), handler: () => ({ supply: 2n ** 70n, list: [1n, -5n] }) });
    server.register('nothing', { params: z.object({}), handler: () => undefined });
    server.register('whoami', { params: z.object({}), handler: (_p: object, ctx: unknown) => ctx });
    server.register('notFound', {
      params: z.object({}),
      handler: () => {
        throw new RpcError(NOT_FOUND, 'block not found', { height: 7 });
      },
    });
    server.register('loopbackOnly', {
      params: z.object({}),
      handler: (_p: object, ctx: { isLoopback: boolean }) => {
        if (!ctx.isLoopback) throw new RpcError(FORBIDDEN, 'loopback only');
        return 'ok';
      },
    });
    server.register('boom', {
      params: z.object({}),
      handler: async () => {
        throw new Error('secret internals at /home/x/db.ts:42');
      },
    });
    server.register(
      'note',
      defineMethod({ params: z.object({ text: z.string() }), handler: ({ text }) => void notified.push(text) }),
    );
    server.addGetRoute('/health', async () => ({ status: 200, contentType: 'application/json', body: '{"ok":true}' }));
    server.addGetRoute('/broken', async () => {
      throw new Error('route failed');
    });
    const { host, port } = await server.listen();
    assert.equal(host, '127.0.0.1');
    assert.ok(port > 0);
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await server.close();
  });

  beforeEach(() => {
    logged.length = 0;
  });

  async function post(body: string, path = '/'): Promise<Response> {
    return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  }

  async function rpc(body: unknown, path = '/'): Promise<JsonRpcReply> {
    const res = await post(JSON.stringify(body), path);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    return (await res.json()) as JsonRpcReply;
  }

  async function call(method: string, params?: unknown, id: string | number = 1): Promise<JsonRpcReply> {
    const req: Record<string, unknown> = { jsonrpc: '2.0', id, method };
    if (params !== undefined) req['params'] = params;
    return rpc(req);
  }

  describe('calls', () => {
    it('answers a call with by-name params, echoing the id', async () => {
      assert.deepEqual(await call('add', { a: 2, b: 3 }, 'abc'), { jsonrpc: '2.0', id: 'abc', result: 5 });
    });

    it('also serves JSON-RPC at /rpc', async () => {
      const reply = await rpc({ jsonrpc: '2.0', id: 9, method: 'add', params: { a: 1, b: 1 } }, '/rpc');
      assert.deepEqual(reply, { jsonrpc: '2.0', id: 9, result: 2 });
    });

    it('awaits async handlers', async () => {
      assert.deepEqual((await call('transfer', { to: 'bob', amount: 4 })).result, { to: 'bob', amount: 4 });
    });

    it('accepts omitted params when every field is optional', async () => {
      assert.equal((await call('optional')).result, false);
      assert.equal((await call('optional', { verbose: true })).result, true);
    });

    it('maps a positional array holding one object onto by-name params', async () => {
      assert.equal((await call('add', [{ a: 4, b: 5 }])).result, 9);
    });

    it('answers null when a handler returns nothing', async () => {
      const reply = await call('nothing');
      assert.ok('result' in reply);
      assert.equal(reply.result, null);
    });

    it('serializes bigint results as decimal strings', async () => {
      const reply = await call('bigint');
      assert.deepEqual(reply.result, { supply: (2n ** 70n).toString(), list: ['1', '-5'] });
    });

    it('tells the handler the caller is on loopback', async () => {
      assert.deepEqual((await call('whoami')).result, { remoteAddress: '127.0.0.1', isLoopback: true });
      assert.equal((await call('loopbackOnly')).result, 'ok');
    });
  });

  describe('errors', () => {
    it('reports invalid params naming the failing field', async () => {
      const reply = await call('transfer', { to: 'bob', amount: '10' });
      assert.equal(reply.id, 1);
      assert.equal(reply.error?.code, INVALID_PARAMS);
      assert.equal(reply.error?.message, 'invalid params: amount: Expected number, received string');
      assert.deepEqual(reply.error?.data, { field: 'amount', reason: 'Expected number, received string' });
    });

    it('names nested and missing fields', async () => {
      const nested = await call('nested', { tx: { nonce: 1.5 } });
      assert.equal(nested.error?.code, INVALID_PARAMS);
      assert.match(nested.error?.message ?? '', /^invalid params: tx\.nonce: /);
      const missing = await call('add', { a: 1 });
      assert.equal(missing.error?.message, 'invalid params: b: Required');
    });

    it('rejects positional params that are not a single object', async () => {
      for (const params of [[1, 2], [], ['x']]) {
        const reply = await call('add', params);
        assert.equal(reply.error?.code, INVALID_PARAMS, JSON.stringify(params));
        assert.match(reply.error?.message ?? '', /params/);
      }
    });

    it('rejects omitted params when fields are required', async () => {
      assert.equal((await call('add')).error?.code, INVALID_PARAMS);
    });

    it('reports an unknown method', async () => {
      const reply = await call('nope');
      assert.equal(reply.error?.code, METHOD_NOT_FOUND);
      assert.equal(reply.id, 1);
    });

    it('does not find methods through the prototype chain', async () => {
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        assert.equal((await call(name)).error?.code, METHOD_NOT_FOUND, name);
      }
    });

    it('reports a parse error with a null id', async () => {
      for (const body of ['{"jsonrpc":"2.0",', '', 'not json']) {
        const res = await post(body);
        assert.equal(res.status, 200);
        const reply = (await res.json()) as JsonRpcReply;
        assert.equal(reply.id, null);
        assert.equal(reply.error?.code, PARSE_ERROR, JSON.stringify(body));
      }
    });

    it('reports invalid requests', async () => {
      const cases: [unknown, string | number | null][] = [
        [{ jsonrpc: '1.0', id: 1, method: 'add' }, 1],
        [{ jsonrpc: '1.0' }, null],
        [{ jsonrpc: '2.0', id: 2 }, 2],
        [{ jsonrpc: '2.0', id: 3, method: 42 }, 3],
        [{ jsonrpc: '2.0', id: { x: 1 }, method: 'add' }, null],
        [{ jsonrpc: '2.0', id: 4, method: 'add', params: 'a,b' }, 4],
        [{ jsonrpc: '2.0', id: 5, method: 'add', params: null }, 5],
        ['just a string', null],
        [42, null],
        [null, null],
      ];
      for (const [body, id] of cases) {
        const reply = await rpc(body);
        assert.equal(reply.error?.code, INVALID_REQUEST, JSON.stringify(body));
        assert.equal(reply.id, id, JSON.stringify(body));
        assert.ok(!('result' in reply));
      }
    });

    it('rejects an empty batch', async () => {
      const reply = await rpc([]);
      assert.equal(reply.error?.code, INVALID_REQUEST);
      assert.equal(reply.id, null);
    });

    it('passes an RpcError code, message and data through', async () => {
      const reply = await call('notFound');
      assert.deepEqual(reply.error, { code: NOT_FOUND, message: 'block not found', data: { height: 7 } });
      assert.equal(logged.length, 0, 'expected errors are not logged');
    });

    it('turns any other thrown error into -32603 without leaking it, and logs it', async () => {
      const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'boom' }));
      const text = await res.text();
      assert.doesNotMatch(text, /secret|db\.ts|at /);
      const reply = JSON.parse(text) as JsonRpcReply;
      assert.deepEqual(reply.error, { code: INTERNAL_ERROR, message: 'internal error' });
      assert.equal(logged.length, 1);
      assert.equal(logged[0]?.level, 'error');
      assert.equal((logged[0]?.obj as { method?: string }).method, 'boom');
      assert.ok((logged[0]?.obj as { err?: unknown }).err instanceof Error);
    });
  });

  describe('requests a web page could make', () => {
    /** A raw POST with exactly these headers (fetch would not let a test set Host). */
    function rawPost(headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
      const url = new URL(base);
      return new Promise((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    }
    const noteCall = (text: string) => JSON.stringify({ jsonrpc: '2.0', method: 'note', params: { text } });

    it('a text/plain POST (no CORS preflight) is refused with 415 and never runs', async () => {
      const r = await rawPost({ 'content-type': 'text/plain', host: '127.0.0.1' }, noteCall('plain'));
      assert.equal(r.status, 415);
      const bare = await rawPost({ host: '127.0.0.1' }, noteCall('bare'));
      assert.equal(bare.status, 415);
      assert.ok(!notified.includes('plain') && !notified.includes('bare'));
    });

    it('a foreign Origin is refused; the node\'s own origin is served', async () => {
      const host = new URL(base).host;
      const r = await rawPost({ 'content-type': 'application/json', host, origin: 'http://evil.example' }, noteCall('foreign'));
      assert.equal(r.status, 403);
      assert.match(r.text, /Origin/);
      const own = await rawPost({ 'content-type': 'application/json; charset=utf-8', host, origin: `http://${host}` }, noteCall('own'));
      assert.equal(own.status, 204);
      assert.ok(!notified.includes('foreign') && notified.includes('own'));
    });

    it('a Host under a name that is not the node\'s (DNS rebinding) is refused; IPs and localhost are served', async () => {
      const port = new URL(base).port;
      const r = await rawPost({ 'content-type': 'application/json', host: `rebind.evil.example:${port}` }, noteCall('rebound'));
      assert.equal(r.status, 403);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `10.1.2.3:${port}`]) {
        assert.equal((await rawPost({ 'content-type': 'application/json', host }, noteCall(host))).status, 204, host);
      }
      assert.ok(!notified.includes('rebound'));
    });

    it(`a batch longer than ${MAX_BATCH} is refused whole`, async () => {
      const batch = Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'note', params: { text: `b${i}` } }));
      const reply = (await (await post(JSON.stringify(batch))).json()) as JsonRpcReply;
      assert.equal(reply.error?.code, INVALID_REQUEST);
      assert.match(reply.error?.message ?? '', /limit 1000/);
      assert.ok(!notified.includes('b0'));
    });
  });

  describe('notifications and batches', () => {
    it('runs a notification and answers 204 with no body', async () => {
      const res = await post(JSON.stringify({ jsonrpc: '2.0', method: 'note', params: { text: 'single' } }));
      assert.equal(res.status, 204);
      assert.equal(await res.text(), '');
      assert.ok(notified.includes('single'));
    });

    it('treats an explicit null id as a call, not a notification', async () => {
      const reply = await rpc({ jsonrpc: '2.0', id: null, method: 'add', params: { a: 1, b: 2 } });
      assert.deepEqual(reply, { jsonrpc: '2.0', id: null, result: 3 });
    });

    it('answers a mixed batch, leaving out notifications', async () => {
      const res = await post(
        JSON.stringify([
          { jsonrpc: '2.0', id: 1, method: 'add', params: { a: 1, b: 2 } },
          { jsonrpc: '2.0', method: 'note', params: { text: 'in-batch' } },
          { jsonrpc: '2.0', id: 2, method: 'nope' },
          { jsonrpc: '2.0', method: 'nope' },
          { jsonrpc: '2.0', method: 'boom' },
          { jsonrpc: '2.0', id: 3, method: 'transfer', params: { to: 'x', amount: 'y' } },
          1,
        ]),
      );
      assert.equal(res.status, 200);
      const replies = (await res.json()) as JsonRpcReply[];
      assert.ok(Array.isArray(replies));
      assert.equal(replies.length, 4);
      const byId = new Map(replies.map((r) => [r.id, r]));
      assert.equal(byId.get(1)?.result, 3);
      assert.equal(byId.get(2)?.error?.code, METHOD_NOT_FOUND);
      assert.equal(byId.get(3)?.error?.code, INVALID_PARAMS);
      assert.equal(byId.get(null)?.error?.code, INVALID_REQUEST);
      assert.ok(notified.includes('in-batch'));
      assert.equal(logged.filter((l) => l.level === 'error').length, 1, 'a failing notification is still logged');
    });

    it('answers 204 to a batch of only notifications', async () => {
      const res = await post(
        JSON.stringify([
          { jsonrpc: '2.0', method: 'note', params: { text: 'n1' } },
          { jsonrpc: '2.0', method: 'note', params: { text: 'n2' } },
        ]),
      );
      assert.equal(res.status, 204);
      assert.equal(await res.text(), '');
      assert.ok(notified.includes('n1') && notified.includes('n2'));
    });
  });

  describe('body limit', () => {
    const tooLarge = { code: INVALID_REQUEST, message: `request body too large (limit ${MAX_BODY_BYTES} bytes)` };

    it('accepts a body just under the limit', async () => {
      const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'note', params: { text: '' } });
      const padding = ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(call));
      const res = await post(call + padding);
      assert.equal(res.status, 200);
    });

    it('refuses a declared-length body over 1 MiB with 413, then keeps serving', async () => {
      const res = await post('x'.repeat(MAX_BODY_BYTES + 1));
      assert.equal(res.status, 413);
      const reply = (await res.json()) as JsonRpcReply;
      assert.deepEqual(reply, { jsonrpc: '2.0', id: null, error: tooLarge });
      assert.equal((await call('add', { a: 1, b: 1 })).result, 2);
    });

    it('refuses a streamed (chunked) body once it passes 1 MiB', async () => {
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          // Far more than the limit: the server must cut it off rather than wait for the end.
          if (sent++ < 160) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const res = await fetch(base + '/', { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
      assert.equal(res.status, 413);
      assert.deepEqual(((await res.json()) as JsonRpcReply).error, tooLarge);
      assert.equal((await call('add', { a: 2, b: 2 })).result, 4);
    });

    it('answers 413 to a body that never ends, and keeps serving', async () => {
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(chunk);
        },
      });
      const res = await fetch(base + '/', { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
      assert.equal(res.status, 413);
      assert.deepEqual(((await res.json()) as JsonRpcReply).error, tooLarge);
      assert.equal((await call('add', { a: 3, b: 3 })).result, 6);
    });
  });

  describe('HTTP routing', () => {
    it('serves registered GET routes', async () => {
      const res = await fetch(base + '/health');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(await res.json(), { ok: true });
    });

    it('ignores the query string when routing', async () => {
      assert.equal((await fetch(base + '/health?verbose=1')).status, 200);
      const reply = await rpc({ jsonrpc: '2.0', id: 1, method: 'add', params: { a: 1, b: 2 } }, '/rpc?x=1');
      assert.equal(reply.result, 3);
    });

    it('answers 500 without details when a GET route throws', async () => {
      const res = await fetch(base + '/broken');
      assert.equal(res.status, 500);
      assert.doesNotMatch(await res.text(), /route failed/);
      assert.equal(logged.length, 1);
    });

    it('answers 404 for unknown paths', async () => {
      assert.equal((await fetch(base + '/nope')).status, 404);
      assert.equal((await post('{}', '/nope')).status, 404);
    });

    it('answers 405 for the wrong HTTP method', async () => {
      const get = await fetch(base + '/');
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST');
      assert.equal((await fetch(base + '/rpc', { method: 'PUT', body: '{}' })).status, 405);
      const postHealth = await post('{}', '/health');
      assert.equal(postHealth.status, 405);
      assert.equal(postHealth.headers.get('allow'), 'GET');
    });
  });

  describe('robustness', () => {
    it('survives a client that disconnects mid-body', async () => {
      const { port } = new URL(base);
      await new Promise<void>((resolve, reject) => {
        const sock = connect(Number(port), '127.0.0.1', () => {
          sock.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"jsonrpc"');
          setTimeout(() => {
            sock.destroy();
            resolve();
          }, 20);
        });
        sock.on('error', reject);
      });
      assert.equal((await call('add', { a: 1, b: 1 })).result, 2);
    });

    it('answers any body with a well-formed JSON-RPC reply or 204', async () => {
      const anyJson = fc.oneof(
        fc.json(),
        fc.record(
          {
            jsonrpc: fc.constantFrom('2.0', '1.0', 2),
            id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.object()),
            method: fc.oneof(fc.constantFrom('add', 'transfer', 'nested', 'boom', 'notFound'), fc.string()),
            params: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ).map((r) => JSON.stringify(r)),
        fc.array(fc.jsonValue(), { maxLength: 5 }).map((a) => JSON.stringify(a)),
        fc.string(),
      );
      await fc.assert(
        fc.asyncProperty(anyJson, async (body) => {
          const res = await post(body);
          if (res.status === 204) return;
          assert.equal(res.status, 200);
          const parsed = (await res.json()) as JsonRpcReply | JsonRpcReply[];
          for (const reply of Array.isArray(parsed) ? parsed : [parsed]) {
            assert.equal(reply.jsonrpc, '2.0');
            assert.ok('result' in reply !== 'error' in reply, 'exactly one of result and error');
            if (reply.error) assert.equal(typeof reply.error.code, 'number');
          }
        }),
        { numRuns: 200 },
      );
      assert.equal((await call('add', { a: 1, b: 1 })).result, 2);
    });
  });

  describe('registration', () => {
    it('refuses duplicate and reserved method names', () => {
      const s = new RpcServer({ host: '127.0.0.1', port: 0 });
      const m = { params: z.object({}), handler: () => 1 };
      s.register('a', m);
      assert.throws(() => s.register('a', m), /already registered/);
      assert.throws(() => s.register('rpc.discover', m), /reserved/);
      s.addGetRoute('/health', async () => ({ status: 200, contentType: 'text/plain', body: '' }));
      assert.throws(() => s.addGetRoute('/health', async () => ({ status: 200, contentType: 'text/plain', body: '' })));
      assert.throws(() => s.addGetRoute('/', async () => ({ status: 200, contentType: 'text/plain', body: '' })));
    });

    it('rejects listen() on a port in use, and close() afterwards still resolves', async () => {
      const port = Number(new URL(base).port);
      const s = new RpcServer({ host: '127.0.0.1', port });
      await assert.rejects(s.listen(), /EADDRINUSE/);
      await s.close();
    });

    it('close() without listen() is a no-op, and a closed server stops accepting', async () => {
      await new RpcServer({ host: '127.0.0.1', port: 0 }).close();
      const s = new RpcServer({ host: '127.0.0.1', port: 0 });
      s.register('ping', { params: z.object({}), handler: () => 'pong' });
      const { port } = await s.listen();
      await s.close();
      await assert.rejects(fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }));
    });
  });
});

describe('isLoopback', () => {
  it('recognizes loopback addresses only', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
    for (const a of ['10.0.0.1', '0.0.0.0', '::', '::ffff:10.0.0.1', '128.0.0.1', '', 'localhost']) {
      assert.ok(!isLoopback(a), a);
    }
  });
});
