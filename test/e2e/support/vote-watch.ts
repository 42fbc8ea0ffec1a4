/**
 * A watcher of the test's own: a libp2p peer on the approval topic and every validator's inbox that records every
 * vote signed with one key, to tell whether that key ever signed two votes for one (height, round, type).
 */
import { join } from 'node:path';
import { TopicValidatorResult } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { bytesEqual, toHex } from '../../../src/core/bytes.js';
import { type Vote, verifyVote } from '../../../src/core/votes.js';
import { ConsensusEnvelope } from '../../../src/core/wire/posplus.js';
import { readKeyFile } from '../../../src/node/identity.js';
import { type P2pHost, joinTopic } from '../../../src/node/p2p-host.js';
import { signingDomainOf } from '../../../src/cli/client-options.js';
import { testHost } from '../../support/test-host.js';
import type { LocalNode } from './local-cluster.js';

/** Every vote of one voter seen on the topics, by (type, height, round): more than one block hash is a double sign. */
export class VoteWatch {
  readonly slots = new Map<string, Set<string>>();
  count = 0;

  constructor(
    private readonly domain: string,
    private readonly voter: Uint8Array,
  ) {}

  take(data: Uint8Array): void {
    let votes: Vote[];
    try {
      const e = ConsensusEnvelope.decode(data);
      votes = e.vote ? [e.vote] : e.votes;
    } catch {
      return;
    }
    for (const v of votes) {
      if (!bytesEqual(v.voter, this.voter)) continue;
      verifyVote(this.domain, v);
      const slot = `${v.type}/${v.height}/${v.round}`;
      const hashes = this.slots.get(slot) ?? new Set<string>();
      hashes.add(toHex(v.blockHash));
      this.slots.set(slot, hashes);
      this.count++;
    }
  }

  doubles(): string[] {
    return [...this.slots].filter(([, h]) => h.size > 1).map(([slot, h]) => `${slot}: ${[...h].join(' / ')}`);
  }
}

/** Watches `victim`'s key from a peer connected to every node of `nodes` that is up; nodes[0] must be on the chain. */
export async function watch(nodes: LocalNode[], victim: LocalNode): Promise<{ host: P2pHost; votes: VoteWatch }> {
  const status = await nodes[0]!.rpc.call<{ chainId: string; genesis: { hash: string; members: string[] } }>('node_status');
  const key = (await readKeyFile(join(victim.dataDir, 'node.key'))).keyPair.publicKey;
  const votes = new VoteWatch(signingDomainOf(status), key);
  const host = await testHost(status.chainId);
  const base = `/posplus/${status.chainId}`;
  // Ignore: the watcher reads every message but relays none, and ignoring costs the sender nothing.
  const topics = [`${base}/approval`, ...status.genesis.members.map((a) => `${base}/inbox/${a.slice(2)}`)];
  for (const t of topics) {
    joinTopic(host.services.pubsub, t, (_peer, msg) => {
      votes.take(msg.data);
      return TopicValidatorResult.Ignore;
    });
  }
  for (const n of nodes) {
    const listen = await n.rpc.call<{ listen: string[] }>('node_status').then((s) => s.listen, () => []);
    if (listen.length > 0) await host.dial(multiaddr(listen[0]!));
  }
  return { host, votes };
}
