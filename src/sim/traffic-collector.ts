import type { CertifiedBlock } from '../core/wire/posplus.js';
import type { Outbound } from '../consensus/engine.js';
import { certifiedSize, syncRequestSize, wireFacts } from './wire-facts.js';

/**
 * Watches the packets a ReplicaNetwork puts on the wire without steering anything (rippled's csf collectors): the
 * network says what left which replica (and when a replica's behaviour acted), a collector keeps what it
 * measures. A packet is one message to one recipient, whether or not it arrives.
 */
export interface NetworkCollector {
  gossip?(from: number, to: number, msg: Outbound): void;
  syncRequest?(from: number, to: number, fromHeight: number, max: number): void;
  /** A sync answer: one packet per block served. */
  syncBlocks?(from: number, to: number, blocks: readonly CertifiedBlock[]): void;
  /** A replica's behaviour changed what it sent or dropped what it received, or made up a message of its own. */
  misbehaved?(index: number, now: number): void;
}

/**
 * Packets and bytes each replica sent. Bytes are what the node would publish for the message (encodeOutbound: a
 * proposal in its full form, so an upper bound where the node sends validators only transaction hashes), without
 * gossipsub, yamux, noise and TCP framing, which cost every engine alike per packet.
 */
export class TrafficCollector implements NetworkCollector {
  readonly packets: number[];
  readonly bytes: number[];

  constructor(size: number) {
    this.packets = new Array<number>(size).fill(0);
    this.bytes = new Array<number>(size).fill(0);
  }

  gossip(from: number, _to: number, msg: Outbound): void {
    this.count(from, 1, wireFacts(msg).size);
  }

  syncRequest(from: number, _to: number, fromHeight: number, max: number): void {
    this.count(from, 1, syncRequestSize(fromHeight, max));
  }

  syncBlocks(from: number, _to: number, blocks: readonly CertifiedBlock[]): void {
    this.count(from, blocks.length, blocks.reduce((sum, b) => sum + certifiedSize(b), 0));
  }

  totalPackets(): number {
    return this.packets.reduce((a, b) => a + b, 0);
  }

  totalBytes(): number {
    return this.bytes.reduce((a, b) => a + b, 0);
  }

  private count(from: number, packets: number, bytes: number): void {
    this.packets[from]! += packets;
    this.bytes[from]! += bytes;
  }
}
