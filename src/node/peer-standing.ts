import { peerIdFromString } from '@libp2p/peer-id';
import { type Address, addressOf } from '../core/address.js';
import { BoundedMap } from '../core/bounded-map.js';
import type { ChainState } from '../core/chain-state.js';
import { type Account, isRegistered } from '../core/ledger.js';
import { hasRights } from '../consensus/ncca/account-view.js';

/** Far below GRAYLIST_THRESHOLD: gossipsub ignores every RPC from the peer and prunes it from its meshes. */
export const PENALISED_SCORE = -1000;

/**
 * A peer's gossipsub application score from what the chain decided about its key (DESIGN §5, penalty): a node
 * the chain has suspended or evicted is graylisted, and so is a peer this node caught serving a forged block;
 * everyone else scores 0 and is judged by gossipsub alone.
 * The peer id is the node's ledger key, so a restart with the same key is the same node, with the same record.
 */
export class PeerStanding {
  private readonly addresses = new BoundedMap<string, Address | null>(10_000);
  /** Peers caught serving what no honest node serves (a forged block in sync), until when. */
  private readonly penalised = new BoundedMap<string, number>(1_024);

  constructor(private readonly chain: () => ChainState | undefined) {}

  /** Graylists `peerId` and keeps the node from asking it anything until `until` (ms). */
  penalise(peerId: string, until: number): void {
    this.penalised.set(peerId, until);
  }

  isPenalised(peerId: string, now: number): boolean {
    return (this.penalised.get(peerId) ?? 0) > now;
  }

  score(peerId: string): number {
    if (this.isPenalised(peerId, Date.now())) return PENALISED_SCORE;
    const known = this.accountOf(peerId);
    return known === undefined || hasRights(known.account, known.now) ? 0 : PENALISED_SCORE;
  }

  /** Whether the peer's key is a node the chain registered and has not suspended or evicted. */
  isMember(peerId: string): boolean {
    const known = this.accountOf(peerId);
    return known?.account !== undefined && isRegistered(known.account) && hasRights(known.account, known.now);
  }

  /** The peer key's account on our chain (undefined inside when the chain has none), with the chain's time. */
  private accountOf(peerId: string): { account: Account | undefined; now: number } | undefined {
    const chain = this.chain();
    const address = this.addressOf(peerId);
    if (chain === undefined || address === null) return undefined;
    return { account: chain.ledger.get(address), now: chain.head.timestamp };
  }

  private addressOf(peerId: string): Address | null {
    let address = this.addresses.get(peerId);
    if (address === undefined) {
      try {
        const key = peerIdFromString(peerId).publicKey;
        address = key === undefined ? null : addressOf(key.raw);
      } catch {
        address = null;
      }
      this.addresses.set(peerId, address);
    }
    return address;
  }
}
