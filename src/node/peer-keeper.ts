import type { PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { isIP } from 'node:net';
import type { BootstrapEntry } from './config.js';
import type { Logger } from './logger.js';
import type { P2pHost } from './p2p-host.js';

const RETRY_MS = 3000;

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
  private readonly bootstrap: { addr: Multiaddr; peer?: PeerId }[];
  private readonly known = new Map<string, PeerId>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly host: P2pHost,
    entries: BootstrapEntry[],
    private readonly log: Logger,
  ) {
    this.bootstrap = entries.map((e) => ({ addr: toMultiaddr(e) }));
  }

  start(): void {
    this.host.addEventListener('peer:discovery', (evt) => {
      const id = evt.detail.id;
      if (id.equals(this.host.peerId)) return;
      this.known.set(id.toString(), id);
      this.dial(id);
    });
    this.host.addEventListener('peer:connect', (evt) => this.known.set(evt.detail.toString(), evt.detail));
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

  private dial(target: PeerId | Multiaddr, onPeer?: (p: PeerId) => void): void {
    if (this.stopped) return;
    this.host
      .dial(target)
      .then((conn) => onPeer?.(conn.remotePeer))
      .catch((err: Error) => this.log.debug({ target: target.toString(), err: err.message }, 'dial failed'));
  }

  private tick(): void {
    for (const b of this.bootstrap) {
      if (b.peer === undefined || !this.connected(b.peer)) this.dial(b.addr, (p) => (b.peer = p));
    }
    for (const peer of this.known.values()) if (!this.connected(peer)) this.dial(peer);
  }
}
