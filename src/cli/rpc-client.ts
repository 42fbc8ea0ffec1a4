/** A minimal JSON-RPC 2.0 client over fetch, for the CLI verbs, devnet and the benchmark. */
export class RpcCallError extends Error {
  override readonly name = 'RpcCallError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export class RpcUnreachableError extends Error {
  override readonly name = 'RpcUnreachableError';
}

export class RpcClient {
  private nextId = 1;
  constructor(
    readonly url: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T> {
    const [reply] = await this.post([{ jsonrpc: '2.0', id: this.nextId++, method, params }]);
    return unwrap<T>(reply!);
  }

  /** One HTTP request carrying many calls; each entry is the result or the RpcCallError of its call. */
  async batch<T = unknown>(calls: { method: string; params?: Record<string, unknown> }[]): Promise<(T | RpcCallError)[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const replies = await this.post(calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, ...c })));
    const byId = new Map(replies.map((r) => [r.id, r]));
    return calls.map((_, i) => {
      const r = byId.get(first + i);
      if (r === undefined) return new RpcCallError(-32603, 'no reply for this call in the batch');
      try {
        return unwrap<T>(r);
      } catch (err) {
        return err as RpcCallError;
      }
    });
  }

  private async post(body: object[]): Promise<Reply[]> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body.length === 1 ? body[0] : body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new RpcUnreachableError(`cannot reach the node's RPC at ${this.url} (${reason}); is the node running?`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new RpcUnreachableError(`${this.url} answered HTTP ${res.status} with something that is not JSON-RPC`);
    }
    return (Array.isArray(parsed) ? parsed : [parsed]) as Reply[];
  }
}

interface Reply {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

function unwrap<T>(r: Reply): T {
  if (r.error) throw new RpcCallError(r.error.code, r.error.message, r.error.data);
  return r.result as T;
}
