import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A canned JSON-RPC 2.0 endpoint on 127.0.0.1 for client-verb tests: no node, no network beyond loopback. */
export type Handler = (params: Record<string, unknown> | undefined) => unknown | Promise<unknown>;

export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export class FakeRpc {
  readonly calls: { method: string; params?: Record<string, unknown> }[] = [];
  private server?: Server;
  url = '';
  port = 0;

  /** `events`: what GET /events answers with; without it the endpoint serves JSON-RPC only. */
  constructor(
    private readonly handlers: Record<string, Handler>,
    private readonly events?: (res: ServerResponse) => void,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.startsWith('/events') && this.events) return this.events(res);
      // Otherwise only JSON-RPC, as a node without event streams would serve: `tx --wait` then polls.
      if (req.method !== 'POST') return void res.writeHead(404).end();
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const parsed = JSON.parse(body) as unknown;
        const batch = Array.isArray(parsed);
        const answer = async (r: { id: number; method: string; params?: Record<string, unknown> }) => {
          this.calls.push({ method: r.method, params: r.params });
          const h = this.handlers[r.method];
          if (h === undefined) return { jsonrpc: '2.0', id: r.id, error: { code: -32601, message: `method not found: ${r.method}` } };
          try {
            return { jsonrpc: '2.0', id: r.id, result: await h(r.params) };
          } catch (err) {
            const e = err as RpcFailure;
            return { jsonrpc: '2.0', id: r.id, error: { code: e.code ?? -32603, message: e.message, data: e.data } };
          }
        };
        void Promise.all((batch ? parsed : [parsed]).map(answer)).then((replies) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(batch ? replies : replies[0]));
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
