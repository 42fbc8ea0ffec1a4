import { bytesEqual, compareBytes, type Hex, toHex } from './bytes.js';
import { InvalidMessage } from './errors.js';
import { type Genesis, type GenesisSpec, makeGenesis } from './genesis.js';
import type { KeyPair } from './keys.js';
import { signMessage, verifyMessage } from './signing.js';
import { Candidacy, GenesisAnnounce } from './wire/posplus.js';

export { Candidacy, GenesisAnnounce };

export interface CeremonyOptions {
  chainId: string;
  spec: GenesisSpec;
  /** GENESIS_NODES: close as soon as this many candidates are known. */
  expected: number;
  /** Close with fewer once no new candidate has appeared for this long. */
  quietMs: number;
}

/**
 * Start-up of identical replicas: every node gossips a signed candidacy; when GENESIS_NODES are known (or a
 * quiet period passes) every node derives the same member set and genesis hash. Pure: the shell feeds
 * messages and `now`, and publishes what this returns.
 */
export class GenesisCeremony {
  private readonly candidates = new Map<Hex, Uint8Array>();
  private lastNewAt: number;

  constructor(
    private readonly opts: CeremonyOptions,
    private readonly key: KeyPair,
    now: number,
  ) {
    this.candidates.set(toHex(key.publicKey), key.publicKey);
    this.lastNewAt = now;
  }

  get known(): number {
    return this.candidates.size;
  }

  candidacy(now: number): Candidacy {
    return signMessage(Candidacy, this.key, this.opts.chainId, 'candidacy', { publicKey: this.key.publicKey, time: now, signature: new Uint8Array(0) });
  }

  onCandidacy(c: Candidacy, now: number): void {
    if (!verifyMessage(Candidacy, c.publicKey, this.opts.chainId, 'candidacy', c)) {
      throw new InvalidMessage('candidacy signature does not match its key');
    }
    const id = toHex(c.publicKey);
    if (!this.candidates.has(id)) {
      this.candidates.set(id, c.publicKey);
      this.lastNewAt = now;
    }
  }

  /** The genesis once the ceremony can close, else undefined. */
  tryClose(now: number): Genesis | undefined {
    if (this.candidates.size < this.opts.expected && now - this.lastNewAt < this.opts.quietMs) return undefined;
    return makeGenesis(this.opts.chainId, this.opts.spec, [...this.candidates.values()]);
  }
}

export function announceGenesis(chainId: string, key: KeyPair, genesis: Genesis, height: number, now: number): GenesisAnnounce {
  return signMessage(GenesisAnnounce, key, chainId, 'genesis', {
    announcer: key.publicKey,
    members: genesis.members,
    genesisHash: genesis.hash,
    height,
    time: now,
    signature: new Uint8Array(0),
  });
}

/** Checks an announcement and recomputes its genesis from our own spec: a hash we cannot rebuild is refused. */
export function verifyAnnounce(chainId: string, spec: GenesisSpec, a: GenesisAnnounce): Genesis {
  if (!verifyMessage(GenesisAnnounce, a.announcer, chainId, 'genesis', a)) {
    throw new InvalidMessage('genesis announcement signature does not match its announcer');
  }
  const genesis = makeGenesis(chainId, spec, a.members);
  if (!bytesEqual(genesis.hash, a.genesisHash)) throw new InvalidMessage('announced genesis hash does not follow from its members and our genesis spec');
  return genesis;
}

/**
 * Whether a node holding `current` at `height` should switch to an announced genesis. Only before its first
 * block: an active chain (height ≥ 1) wins, then the larger member set, then the smaller hash — so every
 * node converges on one genesis whatever order the announcements arrive in.
 */
export function shouldAdopt(current: Genesis, height: number, announced: Genesis, announcedHeight: number): boolean {
  if (height >= 1 || bytesEqual(current.hash, announced.hash)) return false;
  if (announcedHeight >= 1) return true;
  if (announced.members.length !== current.members.length) return announced.members.length > current.members.length;
  return compareBytes(announced.hash, current.hash) < 0;
}
