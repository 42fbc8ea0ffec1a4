import type { PeerId } from '@libp2p/interface';
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import { bytesEqual, ownBytes } from '../core/bytes.js';
import { CertifiedBlock, SyncRequest, SyncResponse } from '../core/wire/posplus.js';
import type { P2pHost } from './p2p-host.js';
import type { ChainStore } from './store.js';
import { syncProtocol } from '../protocol/topics.js';
import { PeerRate } from './peer-rate.js';

/** A response stays well under the frame limit even with full blocks. */
const MAX_BLOCKS = 64;
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const MAX_FRAME = 16 * 1024 * 1024;
/** The whole exchange, dial to last byte, on either side: a peer that negotiates and then stalls is cut off. */
export const SYNC_DEADLINE_MS = 15_000;
/** Requests a peer may make in a burst, and per second after it; peers tracked at once. */
const BURST = 8;
const PER_SECOND = 4;
const TRACKED_PEERS = 1024;

/**
 * Block sync, `/posplus/<chain>/sync/1.0.0`: one length-prefixed SyncRequest, answered by one SyncResponse
 * holding consecutive certified blocks from `fromHeight`. The client asks again until it has caught up.
 */
export async function serveSync(host: P2pHost, chainId: string, store: ChainStore, genesisHash: () => Uint8Array | undefined): Promise<void> {
  const limiter = new PeerRate(BURST, PER_SECOND, TRACKED_PEERS);
  await host.handle(syncProtocol(chainId), async ({ stream, connection }) => {
    if (!limiter.take(connection.remotePeer.toString(), Date.now())) {
      stream.abort(new Error('sync requests over the rate limit'));
      return;
    }
    const deadline = setTimeout(() => stream.abort(new Error('sync exchange over its deadline')), SYNC_DEADLINE_MS);
    try {
      await pipe(
        stream.source,
        (source) => lp.decode(source, { maxDataLength: 1024 }),
        async function* (source) {
          for await (const frame of source) {
            const req = SyncRequest.decode(frame.subarray());
            const head = (await store.getHead())?.height ?? 0;
            const blocks: CertifiedBlock[] = [];
            let bytes = 0;
            const to = Math.min(head, req.fromHeight + Math.min(req.max || MAX_BLOCKS, MAX_BLOCKS) - 1);
            for await (const cb of store.iterCertified(req.fromHeight, to)) {
              bytes += CertifiedBlock.encode(cb).byteLength;
              if (blocks.length > 0 && bytes > MAX_RESPONSE_BYTES) break;
              blocks.push(cb);
            }
            yield SyncResponse.encode({ blocks, headHeight: head, genesisHash: genesisHash() ?? new Uint8Array(0) });
            return;
          }
        },
        (source) => lp.encode(source),
        stream.sink,
      );
    } catch {
      stream.abort(new Error('sync request failed'));
    } finally {
      clearTimeout(deadline);
    }
  });
}

export class SyncError extends Error {
  override readonly name = 'SyncError';
}

export async function requestBlocks(
  host: P2pHost,
  chainId: string,
  peer: PeerId,
  fromHeight: number,
  genesisHash: Uint8Array,
  deadlineMs = SYNC_DEADLINE_MS,
  max = MAX_BLOCKS,
): Promise<SyncResponse> {
  const signal = AbortSignal.timeout(deadlineMs);
  const stream = await host.dialProtocol(peer, syncProtocol(chainId), { signal });
  const stalled = new SyncError(`peer ${peer} did not answer a sync request within ${deadlineMs} ms`);
  const onAbort = (): void => stream.abort(stalled);
  signal.addEventListener('abort', onAbort, { once: true });
  let response: SyncResponse;
  try {
    response = await pipe(
      [SyncRequest.encode({ fromHeight, max })],
      (source) => lp.encode(source),
      stream,
      (source) => lp.decode(source, { maxDataLength: MAX_FRAME }),
      async (source) => {
        for await (const frame of source) return SyncResponse.decode(ownBytes(frame.subarray()));
        throw new SyncError(`peer ${peer} closed the sync stream without an answer`);
      },
    );
  } catch (err) {
    throw signal.aborted ? stalled : err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (!bytesEqual(response.genesisHash, genesisHash)) throw new SyncError(`peer ${peer} is on another genesis`);
  return response;
}
