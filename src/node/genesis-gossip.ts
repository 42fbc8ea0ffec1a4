import { TopicValidatorResult } from '@libp2p/interface';
import { BoundedMap } from '../core/bounded-map.js';
import { bytesEqual, type Hex, toHex } from '../core/bytes.js';
import { GenesisCeremony, announceGenesis, checkCandidacy, shouldAdopt, verifyAnnounce } from '../core/ceremony.js';
import { IgnoredMessage } from '../core/errors.js';
import type { Genesis, GenesisSpec } from '../core/genesis.js';
import type { GenesisSecret } from '../core/genesis-secret.js';
import type { KeyPair } from '../core/keys.js';
import { signingDomain } from '../core/signing.js';
import { type Candidacy, type Certificate, type GenesisAnnounce, GenesisMessage } from '../core/wire/posplus.js';
import type { EngineRules } from '../consensus/create-engine.js';
import { checkStartCertificate } from '../consensus/start-certificate.js';
import type { Logger } from './logger.js';

/** A node on a chain answers a newcomer's candidacy with its announcement, but not more often than this. */
const ANSWER_EVERY_MS = 1000;
/** Until its first block a node announces its genesis this often, so that every node converges on one. */
export const ANNOUNCE_EVERY_MS = 3000;

/** What the genesis topic needs from the node around it. */
export interface GenesisGossipShell {
  readonly chainId: string;
  readonly spec: GenesisSpec;
  readonly key: KeyPair;
  readonly secret: GenesisSecret | undefined;
  readonly log: Logger;
  /** The engine rules the node would run on `genesis` (to find the validators of block 1). */
  rulesFor(genesis: Genesis): EngineRules;
  publish(m: GenesisMessage): void;
  /** The genesis this node is on and its committed height, or undefined while it has none. */
  current(): { genesis: Genesis; height: number } | undefined;
  /** The stored certificate of block 1, once there is one. */
  block1(): Promise<Certificate | undefined>;
  enter(genesis: Genesis): void;
}

/**
 * The genesis topic: this node's candidacy while the start-up ceremony runs, its announcement once it is on a
 * chain, and what it makes of everyone else's. Only secret holders are heard at all (their proofs are checked
 * before anything else), and a running chain is joined only on its certified block 1.
 */
export class GenesisGossip {
  private ceremony?: GenesisCeremony;
  private block1?: Certificate;
  private answeredAt = -Infinity;
  /** Genesis hashes whose block-1 certificate verified: each is checked once, not on every announcement. */
  private readonly certified = new BoundedMap<Hex, true>(16);

  constructor(private readonly shell: GenesisGossipShell) {}

  /** `position`: this node's, declared in its candidacy so that the genesis starts it in its cell. */
  startCeremony(expected: number, quietMs: number, position: { x: number; y: number }, now: number): void {
    const { chainId, spec, secret, key } = this.shell;
    this.ceremony = new GenesisCeremony({ chainId, spec, expected, quietMs, secret, position }, key, now);
  }

  /** Once a second during the ceremony: our candidacy out, and the genesis once it can close. */
  tick(now: number): void {
    const ceremony = this.ceremony;
    if (ceremony === undefined || this.shell.current() !== undefined) return;
    this.shell.publish({ candidacy: ceremony.candidacy(now) });
    const genesis = ceremony.tryClose(now);
    if (genesis) {
      this.shell.log.info({ members: genesis.members.length, genesis: genesis.hashHex }, 'start-up ceremony closed');
      this.shell.enter(genesis);
    }
  }

  /**
   * Every ANNOUNCE_EVERY_MS. Past block 1 a node never switches, and whoever could still switch to its chain speaks
   * first (a newcomer's candidacy every second, a node without a block announcing its own genesis), and is
   * answered: announcing all the same cost each node of an idle 9-node LAN a quarter of its CPU.
   */
  reannounce(now: number): void {
    const on = this.shell.current();
    if (on !== undefined && on.height < 1) void this.announce(now);
  }

  async announce(now: number): Promise<void> {
    const on = this.shell.current();
    if (on === undefined) return;
    if (on.height >= 1) this.block1 ??= await this.shell.block1();
    const { chainId, secret, key } = this.shell;
    this.shell.publish({ announce: announceGenesis(chainId, secret, key, on.genesis, on.height, this.block1, now) });
  }

  /** The gossipsub verdict on one genesis-topic message; throws (a Reject) on a message that breaks a rule. */
  onMessage(data: Uint8Array, now: number): TopicValidatorResult {
    try {
      const m = GenesisMessage.decode(data);
      // A message that carries nothing is checked by nothing: it must not be relayed as if it had been.
      if (!m.candidacy && !m.announce) return TopicValidatorResult.Ignore;
      // Past block 1 an announcement of this node's own genesis tells it nothing: it is not checked, so it is not
      // relayed either (every chain node announces itself to its own peers). Checking each cost a running node a
      // signature and a genesis rebuild, eight every three seconds on a 9-node LAN. Any other genesis is still
      // checked, so a forger is rejected (and scored down) as before.
      if (m.announce && !m.candidacy && this.onOwnChain(m.announce)) return TopicValidatorResult.Ignore;
      if (m.candidacy) this.onCandidacy(m.candidacy, now);
      if (m.announce) this.onAnnounce(m.announce, now);
      return TopicValidatorResult.Accept;
    } catch (err) {
      if (err instanceof IgnoredMessage) return TopicValidatorResult.Ignore;
      throw err;
    }
  }

  private onOwnChain(a: GenesisAnnounce): boolean {
    const on = this.shell.current();
    return on !== undefined && on.height >= 1 && bytesEqual(on.genesis.hash, a.genesisHash);
  }

  private onCandidacy(c: Candidacy, now: number): void {
    if (this.ceremony && this.shell.current() === undefined) {
      this.ceremony.onCandidacy(c, now);
      return;
    }
    checkCandidacy(this.shell.chainId, this.shell.secret, c);
    this.answer(now);
  }

  /** Our announcement, to someone who could still come to our chain; at most once every ANSWER_EVERY_MS. */
  private answer(now: number): void {
    if (now - this.answeredAt < ANSWER_EVERY_MS) return;
    this.answeredAt = now;
    void this.announce(now);
  }

  private onAnnounce(a: GenesisAnnounce, now: number): void {
    const { chainId, spec, secret } = this.shell;
    const announced = verifyAnnounce(chainId, spec, secret, a);
    const on = this.shell.current();
    // A node on another genesis without a block yet may adopt ours once it hears it, and past our block 1 we
    // announce only when asked.
    if (on !== undefined && on.height >= 1 && a.height < 1 && !bytesEqual(on.genesis.hash, announced.hash)) this.answer(now);
    if (on !== undefined && (on.height >= 1 || bytesEqual(on.genesis.hash, announced.hash))) return;
    const certified = a.block1 !== undefined && this.isCertified(announced, a.block1);
    if (on === undefined || shouldAdopt(on.genesis, on.height, announced, certified)) {
      this.shell.log.info({ members: announced.members.length, genesis: announced.hashHex, certified }, 'adopting the announced genesis');
      this.shell.enter(announced);
    }
  }

  private isCertified(genesis: Genesis, cert: Certificate): boolean {
    const id = toHex(genesis.hash);
    if (this.certified.has(id)) return true;
    checkStartCertificate(signingDomain(this.shell.chainId, genesis.hash), this.shell.rulesFor(genesis), genesis, this.shell.key, cert);
    this.certified.set(id, true);
    return true;
  }
}
