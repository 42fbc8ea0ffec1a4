import type { Role } from '../consensus/engine.js';

/**
 * Gossipsub topics, built and parsed in one place. Cell-scoped topics form one namespace per region cell;
 * a node subscribes to its own cell's namespace and moves when its position moves to another cell.
 *   /posplus/<chain>/cell/<c>/tx     transaction batches gossiped inside a cell
 *   /posplus/<chain>/cell/<c>/vote   transaction-set votes inside a cell (NCCA)
 *   /posplus/<chain>/multi/vote      transaction-set votes among multi-region validators (NCCA)
 *   /posplus/<chain>/block           NCCA's calls and the certificate of each decided height
 *   /posplus/<chain>/proposal        block proposals in full, for the nodes without a vote
 *   /posplus/<chain>/approval        compact proposals, prevotes and precommits among the validators
 *   /posplus/<chain>/inbox/<addr>    messages for one node only: votes for the round's collector
 *   /posplus/<chain>/evidence        double-spend alerts and misbehaviour evidence
 *   /posplus/<chain>/genesis         start-up ceremony: candidacies and genesis announcements
 */
export type TopicRef =
  | { kind: 'tx'; cell: number }
  | { kind: 'cell-vote'; cell: number }
  | { kind: 'multi-vote' }
  | { kind: 'block' }
  | { kind: 'proposal' }
  | { kind: 'approval' }
  /** `address`: the owner's account address, 0x-prefixed hex. */
  | { kind: 'inbox'; address: string }
  | { kind: 'evidence' }
  | { kind: 'genesis' };

/**
 * The topics a node needs now. Every node carries its own cell's namespace and its inbox. Validators also listen
 * to every cell's transactions (they order every cell's transactions), carry the multi-region topic, where
 * NCCA's transaction-set ballots meet (and RPCA's UNL members send theirs as a bundle), and the approval topic,
 * where the commit's votes and the compact proposals travel: a normal node has no vote there, takes proposals in
 * full on the proposal topic (it lacks the other cells' transactions) and learns each decision from the
 * certificate on the block topic. The simulator routes by the same plan, so its packet counts are the node's.
 */
export function topicsFor(role: Role, cell: number, cells: number, address: string): TopicRef[] {
  const elected = role === 'validator' || role === 'multi-region';
  const txCells = elected ? Array.from({ length: cells }, (_, c) => c) : [cell];
  return [
    { kind: 'genesis' },
    ...txCells.map((c): TopicRef => ({ kind: 'tx', cell: c })),
    { kind: 'cell-vote', cell },
    ...(elected ? [{ kind: 'multi-vote' } as TopicRef, { kind: 'approval' } as TopicRef] : [{ kind: 'proposal' } as TopicRef]),
    { kind: 'block' },
    { kind: 'inbox', address },
    { kind: 'evidence' },
  ];
}

export function stringifyTopic(chainId: string, ref: TopicRef): string {
  const base = `/posplus/${chainId}`;
  switch (ref.kind) {
    case 'tx':
      return `${base}/cell/${ref.cell}/tx`;
    case 'cell-vote':
      return `${base}/cell/${ref.cell}/vote`;
    case 'multi-vote':
      return `${base}/multi/vote`;
    case 'inbox':
      return `${base}/inbox/${ref.address.slice(2)}`;
    default:
      return `${base}/${ref.kind}`;
  }
}

const TOPIC = /^\/posplus\/([a-z0-9-]+)\/(?:cell\/(\d+)\/(tx|vote)|multi\/vote|inbox\/([0-9a-f]{40})|(block|proposal|approval|evidence|genesis))$/;

export function parseTopic(topic: string): { chainId: string; ref: TopicRef } | undefined {
  const m = TOPIC.exec(topic);
  if (m === null) return undefined;
  const chainId = m[1]!;
  if (m[2] !== undefined) {
    const cell = Number(m[2]);
    return { chainId, ref: m[3] === 'tx' ? { kind: 'tx', cell } : { kind: 'cell-vote', cell } };
  }
  if (m[4] !== undefined) return { chainId, ref: { kind: 'inbox', address: `0x${m[4]}` } };
  if (m[5] !== undefined) return { chainId, ref: { kind: m[5] as 'block' | 'proposal' | 'approval' | 'evidence' | 'genesis' } };
  return { chainId, ref: { kind: 'multi-vote' } };
}

export const syncProtocol = (chainId: string): string => `/posplus/${chainId}/sync/1.0.0`;

const KiB = 1024;

/**
 * The largest message a topic carries; gossip beyond it is rejected before it is decoded. A transaction batch
 * is at most MAX_TX_BATCH (500) transactions of a few hundred bytes; an announcement names the genesis members and
 * carries one certificate; evidence is two transactions or votes, or for an invalid-block proof one whole block
 * (a 9-node block of 576 transactions is about 90 KiB with its ballots). Blocks, proposals and votes go up to the
 * transport's limit.
 */
export function maxMessageBytes(ref: TopicRef): number {
  switch (ref.kind) {
    case 'tx':
    case 'genesis':
      return 512 * KiB;
    case 'evidence':
      return 1024 * KiB;
    default:
      return 16 * 1024 * KiB;
  }
}
