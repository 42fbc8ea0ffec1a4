import { peerIdFromString } from '@libp2p/peer-id';
import { type Address, addressOf } from '../core/address.js';
import { BoundedMap } from '../core/bounded-map.js';
import type { ChainState } from '../core/chain-state.js';
import { hasRights } from '../consensus/ncca/account-view.js';

/** Far below GRAYLIST_THRESHOLD: gossipsub ignores every RPC from the peer and prunes it from its meshes. */
export const PENALISED_SCORE = -1000;

/**
 * A peer's gossipsub application score from what the chain decided about its key (DESIGN §5, penalty): a node
 * the chain has suspended or evicted is graylisted; everyone else scores 0 and is judged by gossipsub alone.
 * The peer id is the node's ledger key, so a restart with the same key is the same node, with the same record.
 */
export class PeerStanding {
  private readonly addresses = new BoundedMap<string, Address | null>(10_000);

  constructor(private readonly chain: () => ChainState | undefined) {}

  score(peerId: string): number {
    const chain = this.chain();
    const address = this.addressOf(peerId);
    if (chain === undefined || address === null) return 0;
    return hasRights(chain.ledger.get(address), chain.head.timestamp) ? 0 : PENALISED_SCORE;
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
