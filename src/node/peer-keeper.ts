import type { PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { isIP } from 'node:net';
import type { BootstrapEntry } from './config.js';
import type { Logger } from './logger.js';
import type { P2pHost } from './p2p-host.js';

const RETRY_MS = 3000;
/** After a few quick retries (peers starting together), redials of a peer that keeps failing wait twice as long each time, up to this. */
const QUICK_RETRIES = 3;
const MAX_BACKOFF_MS = 120_000;
/** A discovered peer that failed this many dials in a row is forgotten (bootstrap addresses never are). */
const FORGET_AFTER = 8;
/** Peers remembered for redialing: ids are free, so a LAN full of fresh ids must not grow this without bound. */
export const MAX_KNOWN_PEERS = 256;

/** When a target that failed `failures` dials in a row may be dialed again. */
export const nextDialAt = (now: number, failures: number): number => now + Math.min(RETRY_MS * 2 ** Math.max(0, failures - QUICK_RETRIES), MAX_BACKOFF_MS);

interface Redial {
  failures: number;
  nextAt: number;
}

function toMultiaddr(e: BootstrapEntry): Multiaddr {
  if (e.kind === 'multiaddr') return multiaddr(e.addr);
  const host = e.host === 'localhost' ? '127.0.0.1' : e.host;
  const proto = isIP(host) === 6 ? 'ip6' : isIP(host) === 4 ? 'ip4' : 'dns4';
  return multiaddr(`/${proto}/${host}/tcp/${e.port}`);
}

/**
 * Keeps the node connected: dials peers as mDNS finds them (libp2p 2.x does not), dials bootstrap addresses,
 * and redials both after they drop, so a restarted peer is found again without operator help.
 */
export class PeerKeeper {
  private readonly bootstrap: ({ addr: Multiaddr; peer?: PeerId } & Redial)[];
  private readonly known = new Map<string, { peer: PeerId } & Redial>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly host: P2pHost,
    entries: BootstrapEntry[],
    private readonly log: Logger,
  ) {
    this.bootstrap = entries.map((e) => ({ addr: toMultiaddr(e), failures: 0, nextAt: 0 }));
  }

  start(): void {
    this.host.addEventListener('peer:discovery', (evt) => {
      const id = evt.detail.id;
      if (id.equals(this.host.peerId)) return;
      const entry = this.remember(id);
      if (Date.now() >= entry.nextAt) this.dial(id, entry);
    });
    this.host.addEventListener('peer:connect', (evt) => {
      const entry = this.remember(evt.detail);
      entry.failures = 0;
      entry.nextAt = 0;
    });
    this.tick();
    this.timer = setInterval(() => this.tick(), RETRY_MS);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private connected(peer: PeerId): boolean {
    return this.host.getConnections(peer).length > 0;
  }

  /** The redial record of `peer`, made if new; the oldest is dropped when the map is full. */
  private remember(peer: PeerId): { peer: PeerId } & Redial {
    const id = peer.toString();
    let entry = this.known.get(id);
    if (entry === undefined) {
      if (this.known.size >= MAX_KNOWN_PEERS) this.known.delete(this.known.keys().next().value!);
      entry = { peer, failures: 0, nextAt: 0 };
      this.known.set(id, entry);
    }
    return entry;
  }

  private dial(target: PeerId | Multiaddr, redial: Redial, onPeer?: (p: PeerId) => void): void {
    if (this.stopped) return;
    redial.nextAt = nextDialAt(Date.now(), redial.failures);
    this.host
      .dial(target)
      .then((conn) => {
        redial.failures = 0;
        onPeer?.(conn.remotePeer);
      })
      .catch((err: Error) => {
        redial.failures++;
        redial.nextAt = nextDialAt(Date.now(), redial.failures);
        this.log.debug({ target: target.toString(), err: err.message, failures: redial.failures }, 'dial failed');
      });
  }

  private tick(): void {
    const now = Date.now();
    for (const b of this.bootstrap) {
      if ((b.peer === undefined || !this.connected(b.peer)) && now >= b.nextAt) this.dial(b.addr, b, (p) => (b.peer = p));
    }
    for (const [id, entry] of this.known) {
      if (this.connected(entry.peer) || now < entry.nextAt) continue;
      if (entry.failures >= FORGET_AFTER) this.known.delete(id);
      else this.dial(entry.peer, entry);
    }
  }
}
