import { bytesEqual, compareBytes, fromHex, type Hex, toHex } from './bytes.js';
import { MAX_COORDINATE } from './ledger.js';
import { IgnoredMessage, InvalidMessage } from './errors.js';
import { type Genesis, type GenesisSpec, makeGenesis } from './genesis.js';
import type { GenesisSecret } from './genesis-secret.js';
import type { KeyPair } from './keys.js';
import { signMessage, verifyMessage } from './signing.js';
import { Candidacy, type Certificate, GenesisAnnounce } from './wire/posplus.js';

export { Candidacy, GenesisAnnounce };

export interface CeremonyOptions {
  chainId: string;
  spec: GenesisSpec;
  /** GENESIS_NODES: close as soon as this many candidates are known. */
  expected: number;
  /** Close with fewer once no new candidate has appeared for this long. */
  quietMs: number;
  /** The deployment's secret; without it (a single-node chain) no one else is admitted. */
  secret: GenesisSecret | undefined;
  /** This node's position, declared in its candidacy. */
  position?: { x: number; y: number };
}

/** The secret a multi-node ceremony needs, or an IgnoredMessage: a node without one takes no part. */
function needSecret(secret: GenesisSecret | undefined): GenesisSecret {
  if (secret === undefined) throw new IgnoredMessage('this node holds no genesis secret and takes part in no ceremony');
  return secret;
}

/**
 * Start-up of identical replicas: every node gossips a signed candidacy that proves it knows the deployment's
 * secret; when GENESIS_NODES are known (or a quiet period passes) every node derives the same member set and
 * genesis hash. Pure: the shell feeds messages and `now`, and publishes what this returns.
 */
export class GenesisCeremony {
  private readonly candidates = new Map<Hex, Uint8Array>();
  /** Each candidate's position as first heard: every node keeps the first, so they close on the same places. */
  private readonly places = new Map<Hex, { x: number; y: number }>();
  private lastNewAt: number;

  constructor(
    private readonly opts: CeremonyOptions,
    private readonly key: KeyPair,
    now: number,
  ) {
    this.candidates.set(toHex(key.publicKey), key.publicKey);
    if (opts.position) this.places.set(toHex(key.publicKey), { ...opts.position });
    this.lastNewAt = now;
  }

  get known(): number {
    return this.candidates.size;
  }

  candidacy(now: number): Candidacy {
    const proof = this.opts.secret?.proofFor(this.opts.chainId, 'candidacy', this.key.publicKey) ?? new Uint8Array(0);
    const place = this.opts.position ? { x: this.opts.position.x, y: this.opts.position.y } : {};
    return signMessage(Candidacy, this.key, this.opts.chainId, 'candidacy', { publicKey: this.key.publicKey, time: now, proof, ...place, signature: new Uint8Array(0) });
  }

  onCandidacy(c: Candidacy, now: number): void {
    checkCandidacy(this.opts.chainId, this.opts.secret, c);
    const id = toHex(c.publicKey);
    if (!this.candidates.has(id)) {
      this.candidates.set(id, c.publicKey);
      this.lastNewAt = now;
    }
    if (c.x !== undefined && c.y !== undefined && !this.places.has(id)) this.places.set(id, { x: c.x, y: c.y });
  }

  /** The genesis once the ceremony can close, else undefined. */
  tryClose(now: number): Genesis | undefined {
    if (this.candidates.size < this.opts.expected && now - this.lastNewAt < this.opts.quietMs) return undefined;
    return makeGenesis(this.opts.chainId, this.opts.spec, [...this.candidates.values()], this.places);
  }
}

/** A candidacy's proof of the secret (an HMAC, cheap) and then its signature, or the reason it is refused. */
export function checkCandidacy(chainId: string, secret: GenesisSecret | undefined, c: Candidacy): void {
  if (!needSecret(secret).admits(chainId, 'candidacy', c.publicKey, c.proof)) throw new InvalidMessage('candidacy does not prove knowledge of the genesis secret');
  if (!verifyMessage(Candidacy, c.publicKey, chainId, 'candidacy', c)) throw new InvalidMessage('candidacy signature does not match its key');
  if ((c.x === undefined) !== (c.y === undefined)) throw new InvalidMessage("a candidacy's position is x and y, or neither");
  checkPlace(c.x ?? 0, c.y ?? 0);
}

/** A declared position (candidacy or announced place) lies on a map of at most MAX_COORDINATE metres a side. */
function checkPlace(x: number, y: number): void {
  if (x > MAX_COORDINATE || y > MAX_COORDINATE) throw new InvalidMessage(`a genesis position is at most ${MAX_COORDINATE} m on each axis`);
}

/** `block1`: the certificate of the chain's first block once it has one, the proof that the chain runs. */
export function announceGenesis(
  chainId: string,
  secret: GenesisSecret | undefined,
  key: KeyPair,
  genesis: Genesis,
  height: number,
  block1: Certificate | undefined,
  now: number,
): GenesisAnnounce {
  return signMessage(GenesisAnnounce, key, chainId, 'genesis', {
    announcer: key.publicKey,
    members: genesis.members,
    genesisHash: genesis.hash,
    height,
    time: now,
    proof: secret?.proofFor(chainId, 'genesis', genesis.hash) ?? new Uint8Array(0),
    block1,
    places: [...genesis.places].map(([key, p]) => ({ publicKey: fromHex(key), x: p.x, y: p.y })),
    signature: new Uint8Array(0),
  });
}

/**
 * Checks an announcement in order of cost (the secret's proof, the signature, then the genesis rebuilt from
 * our own spec: a hash we cannot rebuild is refused). Its block-1 certificate is for the caller to check
 * against the genesis's validators.
 */
export function verifyAnnounce(chainId: string, spec: GenesisSpec, secret: GenesisSecret | undefined, a: GenesisAnnounce): Genesis {
  if (!needSecret(secret).admits(chainId, 'genesis', a.genesisHash, a.proof)) throw new InvalidMessage('genesis announcement does not prove knowledge of the genesis secret');
  if (!verifyMessage(GenesisAnnounce, a.announcer, chainId, 'genesis', a)) {
    throw new InvalidMessage('genesis announcement signature does not match its announcer');
  }
  for (const p of a.places) checkPlace(p.x, p.y);
  const genesis = makeGenesis(chainId, spec, a.members, new Map(a.places.map((p) => [toHex(p.publicKey), { x: p.x, y: p.y }])));
  if (!bytesEqual(genesis.hash, a.genesisHash)) throw new InvalidMessage('announced genesis hash does not follow from its members and our genesis spec');
  return genesis;
}

/**
 * Whether a node holding `current` at `height` should switch to an announced genesis. Only before its first
 * block: a chain proven to run (`certified`: a quorum of its members certified block 1) wins, then the larger
 * member set, then the smaller hash — so every node converges on one genesis whatever order the announcements
 * arrive in. A claimed height counts for nothing.
 */
export function shouldAdopt(current: Genesis, height: number, announced: Genesis, certified: boolean): boolean {
  if (height >= 1 || bytesEqual(current.hash, announced.hash)) return false;
  if (certified) return true;
  if (announced.members.length !== current.members.length) return announced.members.length > current.members.length;
  return compareBytes(announced.hash, current.hash) < 0;
}
