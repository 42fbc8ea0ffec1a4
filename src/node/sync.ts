import type { PeerId } from '@libp2p/interface';
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import { bytesEqual } from '../core/bytes.js';
import { CertifiedBlock, SyncRequest, SyncResponse } from '../core/wire/posplus.js';
import type { P2pHost } from './p2p-host.js';
import type { ChainStore } from './store.js';
import { syncProtocol } from '../protocol/topics.js';

/** A response stays well under the frame limit even with full blocks. */
const MAX_BLOCKS = 64;
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const MAX_FRAME = 16 * 1024 * 1024;
const TIMEOUT_MS = 15_000;

/**
 * Block sync, `/posplus/<chain>/sync/1.0.0`: one length-prefixed SyncRequest, answered by one SyncResponse
 * holding consecutive certified blocks from `fromHeight`. The client asks again until it has caught up.
 */
export async function serveSync(host: P2pHost, chainId: string, store: ChainStore, genesisHash: () => Uint8Array | undefined): Promise<void> {
  await host.handle(syncProtocol(chainId), async ({ stream }) => {
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
    }
  });
}

export class SyncError extends Error {
  override readonly name = 'SyncError';
}

export async function requestBlocks(host: P2pHost, chainId: string, peer: PeerId, fromHeight: number, genesisHash: Uint8Array): Promise<SyncResponse> {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  const stream = await host.dialProtocol(peer, syncProtocol(chainId), { signal });
  const response = await pipe(
    [SyncRequest.encode({ fromHeight, max: MAX_BLOCKS })],
    (source) => lp.encode(source),
    stream,
    (source) => lp.decode(source, { maxDataLength: MAX_FRAME }),
    async (source) => {
      for await (const frame of source) return SyncResponse.decode(frame.subarray());
      throw new SyncError(`peer ${peer} closed the sync stream without an answer`);
    },
  );
  if (!bytesEqual(response.genesisHash, genesisHash)) throw new SyncError(`peer ${peer} is on another genesis`);
  return response;
}
