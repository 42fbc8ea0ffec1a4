import { type Hex, toHex, utf8 } from '../core/bytes.js';
import { sha256 } from '../core/hash.js';
import { memoByObject } from '../core/object-memo.js';
import { CertifiedBlock, SyncRequest } from '../core/wire/posplus.js';
import type { Outbound } from '../consensus/engine.js';
import { encodeOutbound } from '../protocol/codec.js';

/**
 * What the simulator needs of a message's bytes, computed once per message object (one object reaches every
 * recipient): its gossip id, the hash of its bytes as gossipsub's content-addressed id gives it, and its size.
 */
export const wireFacts = memoByObject((msg: Outbound): { id: Hex; size: number } => {
  const bytes = encodeOutbound(msg);
  return { id: toHex(sha256(utf8(msg.kind), bytes)), size: bytes.byteLength };
});

/** Bytes of one block with its certificate in a sync answer (each answer builds its own, so there is nothing to remember). */
export const certifiedSize = (c: CertifiedBlock): number => CertifiedBlock.encode(c).byteLength;

/** Bytes of a sync request (its fields only depend on the heights asked for). */
export const syncRequestSize = (fromHeight: number, max: number): number => SyncRequest.encode({ fromHeight, max }).byteLength;
