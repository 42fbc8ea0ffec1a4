/**
 * A client of the node's `txs` event stream (GET /events?topics=txs): `tx --wait` and `double-spend` learn a
 * transaction's fate when it happens instead of polling tx_get.
 */

export interface TxEventView {
  id: string;
  status: 'pending' | 'committed' | 'rejected';
  height?: number;
  reason?: string;
}

export interface TxStream {
  /** The first event for `id` that is not pending; undefined if the stream ends or is closed first. */
  settled(id: string): Promise<TxEventView | undefined>;
  close(): void;
}

/** Opens the stream; undefined when the node does not serve one (an older node, or it refused). */
export async function openTxStream(rpcUrl: string): Promise<TxStream | undefined> {
  const abort = new AbortController();
  let res: Response;
  try {
    res = await fetch(`${rpcUrl.replace(/\/$/, '')}/events?topics=txs`, { signal: abort.signal });
  } catch {
    return undefined;
  }
  if (!res.ok || res.body === null || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    abort.abort();
    return undefined;
  }
  const waiting = new Map<string, (e: TxEventView | undefined) => void>();
  const finish = (): void => {
    for (const done of waiting.values()) done(undefined);
    waiting.clear();
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
          buffer = buffer.slice(end + 2);
          if (data === undefined) continue;
          const event = JSON.parse(data) as TxEventView;
          if (event.status !== 'pending') waiting.get(event.id)?.(event);
        }
      }
    } catch {
      // closed or cut off: whoever waits learns it below
    }
    finish();
  })();
  return {
    settled: (id) =>
      new Promise((resolve) =>
        waiting.set(id, (e) => {
          waiting.delete(id);
          resolve(e);
        }),
      ),
    close: () => {
      abort.abort();
      finish();
    },
  };
}
