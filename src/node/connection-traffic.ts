import type { Connection, Metrics, Stream } from '@libp2p/interface';

interface Bytes {
  in: number;
  out: number;
}

type Chunk = { byteLength: number };

/**
 * Bytes each connection carried in its protocol streams (gossipsub, identify, ping), before Yamux and Noise
 * framing. Kept in a WeakMap: an entry lives as long as libp2p holds the connection, so no peer can grow it.
 */
export class ConnectionTraffic {
  private readonly bytes = new WeakMap<Connection, Bytes>();

  of(connection: Connection): Bytes {
    return this.bytes.get(connection) ?? { in: 0, out: 0 };
  }

  /** A libp2p metrics factory that also counts each protocol stream's bytes toward its connection. */
  counting<C>(factory: (components: C) => Metrics): (components: C) => Metrics {
    return (components) => {
      const metrics = factory(components);
      const track = metrics.trackProtocolStream.bind(metrics);
      metrics.trackProtocolStream = (stream, connection) => {
        track(stream, connection);
        this.count(stream, connection);
      };
      return metrics;
    };
  }

  private count(stream: Stream, connection: Connection): void {
    let bytes = this.bytes.get(connection);
    if (bytes === undefined) this.bytes.set(connection, (bytes = { in: 0, out: 0 }));
    const totals = bytes;
    const sink = stream.sink;
    stream.sink = (source) => sink(tally(source, (n) => (totals.out += n)));
    stream.source = tally(stream.source, (n) => (totals.in += n));
  }
}

async function* tally<T extends Chunk>(source: AsyncIterable<T> | Iterable<T>, add: (n: number) => void): AsyncGenerator<T> {
  for await (const chunk of source) {
    add(chunk.byteLength);
    yield chunk;
  }
}
