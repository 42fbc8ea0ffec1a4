import { peerIdFromString } from '@libp2p/peer-id';
import { BoundedMap } from '../core/bounded-map.js';
import type { CertifiedBlock, SyncResponse } from '../core/wire/posplus.js';
import type { Logger } from './logger.js';
import type { P2pHost } from './p2p-host.js';
import type { PeerStanding } from './peer-standing.js';
import { SYNC_DEADLINE_MS, requestBlocks } from './sync.js';

/** How long a peer that served a forged block in sync is neither asked nor heard. */
const SYNC_LIAR_PENALTY_MS = 10 * 60_000;
/** How long a peer that did not answer is left out of sync (its gossip is still heard: it may only be busy). */
const SYNC_STALL_ASIDE_MS = 60_000;
/** Every pass first asks this many peers at once, chain members first, so no number of silent peers holds it. */
const SYNC_FANOUT = 8;
/** A probe asks for one block: an honest peer answers well within this. */
const SYNC_PROBE_MS = 3_000;

/** What a pass needs of the node: where its chain stands, and a way to step its engine with certified blocks. */
export interface CatchUpTarget {
  readonly genesisHash: Uint8Array;
  head(): number;
  /** Steps the engine with each block in order: `invalid` at the first it rejects, else whether the head moved. */
  take(blocks: readonly CertifiedBlock[]): Promise<'invalid' | 'progressed' | 'stuck'>;
  /** Lower is asked first: peers whose key holds rights on the chain before strangers. */
  rank(peerId: string): number;
  stopping(): boolean;
}

interface Probe {
  readonly peer: string;
  readonly response: SyncResponse;
}

/**
 * One catch-up pass over the connected peers. It asks up to SYNC_FANOUT of them at once for the next block and
 * their head, then pulls ranges from whoever is furthest ahead, and from the next one if that one lies or stalls.
 * A peer that does not answer is set aside for SYNC_STALL_ASIDE_MS; one that serves a forged block is penalised.
 */
export class CatchUp {
  private readonly aside = new BoundedMap<string, number>(1_024);

  constructor(
    private readonly host: P2pHost,
    private readonly chainId: string,
    private readonly standing: PeerStanding,
    private readonly log: Logger,
    private readonly probeMs = SYNC_PROBE_MS,
    private readonly deadlineMs = SYNC_DEADLINE_MS,
  ) {}

  isAskable(peer: string, now: number): boolean {
    return !this.standing.isPenalised(peer, now) && (this.aside.get(peer) ?? 0) <= now;
  }

  /** Resolves with whether some peer showed a head beyond ours. */
  async pass(t: CatchUpTarget): Promise<boolean> {
    const now = Date.now();
    const peers = this.host
      .getPeers()
      .map(String)
      .filter((p) => this.isAskable(p, now))
      .sort((a, b) => t.rank(a) - t.rank(b))
      .slice(0, SYNC_FANOUT);
    const from = t.head() + 1;
    const probes = await Promise.all(peers.map((peer) => this.ask(peer, from, t, this.probeMs, 1)));
    const ahead = probes.filter((p): p is Probe => p !== undefined && p.response.headHeight > t.head()).sort((a, b) => b.response.headHeight - a.response.headHeight);
    for (const probe of ahead) {
      if (t.stopping() || probe.response.headHeight <= t.head()) break;
      await this.pull(probe, t);
    }
    return ahead.length > 0;
  }

  /** Takes what `probe` brought, then asks its peer for ranges until we hold its head or it stops helping. */
  private async pull(probe: Probe, t: CatchUpTarget): Promise<void> {
    let response: SyncResponse | undefined = probe.response;
    while (response !== undefined && !t.stopping()) {
      const blocks = response.blocks.filter((b) => b.block!.header!.height > t.head());
      const outcome = await t.take(blocks);
      if (outcome === 'invalid') {
        this.log.warn({ peer: probe.peer }, 'peer served an invalid block; not asking it again for a while');
        this.standing.penalise(probe.peer, Date.now() + SYNC_LIAR_PENALTY_MS);
        return;
      }
      if (outcome === 'progressed') this.log.info({ height: t.head(), peerHead: response.headHeight }, 'synced blocks');
      if (t.head() >= response.headHeight || (outcome === 'stuck' && blocks.length > 0)) return;
      response = (await this.ask(probe.peer, t.head() + 1, t, this.deadlineMs))?.response;
    }
  }

  private async ask(peer: string, from: number, t: CatchUpTarget, deadlineMs: number, max?: number): Promise<Probe | undefined> {
    try {
      return { peer, response: await requestBlocks(this.host, this.chainId, peerIdFromString(peer), from, t.genesisHash, deadlineMs, max) };
    } catch (err) {
      this.log.debug({ peer, err }, 'sync request failed; leaving the peer out of sync for a while');
      this.aside.set(peer, Date.now() + SYNC_STALL_ASIDE_MS);
      return undefined;
    }
  }
}
