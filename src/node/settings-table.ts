/**
 * The node's settings table: for each setting its name, flag, default (as written in config/default.env),
 * description and the schema that turns its raw string into a typed value. config.ts layers the sources over it.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { ENGINE_NAMES, parseBehaviors } from '../core/behavior.js';

export type BootstrapEntry = { kind: 'multiaddr'; addr: string } | { kind: 'hostport'; host: string; port: number };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// ---------------------------------------------------------------------------------------
// Value checks (zod schemas from the raw, already trimmed string to the typed value)

/** A value quoted for a message. */
export const q = (v: unknown) => JSON.stringify(v);
/** zod refinement message: `"<value>" <what>` */
const bad = (what: string) => (v: string) => ({ message: `${q(v)} ${what}` });

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
const isHostname = (s: string) => HOSTNAME.test(s);
const isHost = (s: string) => isIP(s) !== 0 || isHostname(s);
const isUint = (s: string, min: number, max: number) =>
  /^\d+$/.test(s) && Number.isSafeInteger(Number(s)) && Number(s) >= min && Number(s) <= max;
const DECIMAL = /^(?:\d+\.?\d*|\.\d+)$/;

const str = z.string();
const nonEmpty = str.refine((s) => s !== '', { message: 'value is empty' });
const int = (min: number, max: number, what: string) =>
  str.refine((s) => isUint(s, min, max), bad(`is not ${what}`)).transform(Number);
const port = int(0, 65535, 'a port number (0-65535)');
const host = str.refine(isHost, bad('is not a host name or IP address'));
const oneOf = <T extends string>(options: readonly T[]) =>
  str
    .transform((s) => s.toLowerCase())
    .refine((s): s is T => (options as readonly string[]).includes(s), bad(`is not one of ${options.join('|')}`));

export const BOOL: Record<string, boolean> = { true: true, yes: true, '1': true, false: false, no: false, '0': false };
const bool = str
  .refine((s) => Object.hasOwn(BOOL, s.toLowerCase()), bad('is not a boolean (true/false/1/0/yes/no)'))
  .transform((s) => BOOL[s.toLowerCase()]!);

const position = str
  .refine((s) => s === '' || /^[^,]+,[^,]+$/.test(s), bad('is not a position "x,y" in metres'))
  .transform((s) => {
    if (s === '') return undefined;
    const [x, y] = s.split(',').map((p) => p.trim());
    return { x: x!, y: y! };
  })
  .refine(
    (p) => p === undefined || (DECIMAL.test(p.x) && DECIMAL.test(p.y)),
    (p) => ({ message: `${q(`${p?.x},${p?.y}`)} is not two non-negative numbers "x,y" in metres` }),
  )
  .transform((p) => (p === undefined ? undefined : { x: Number(p.x), y: Number(p.y) }));

/** Turn a thrower into a zod transform whose issue message is the thrown message. */
const parsedBy = <T>(parse: (s: string) => T) =>
  str.transform((s, ctx): T => {
    try {
      return parse(s);
    } catch (e) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
      return z.NEVER;
    }
  });

// Multiaddr: a structural check (protocol names and their values); libp2p does the rest.
const PEER_ID = /^(?:[1-9A-HJ-NP-Za-km-z]{32,}|b[a-z2-7]{32,})$/;
const MA_PROTOCOLS: Record<string, ((v: string) => boolean) | null> = {
  ip4: isIPv4,
  ip6: isIPv6,
  dns: isHostname,
  dns4: isHostname,
  dns6: isHostname,
  dnsaddr: isHostname,
  tcp: (v) => isUint(v, 0, 65535),
  udp: (v) => isUint(v, 0, 65535),
  p2p: (v) => PEER_ID.test(v),
  ipfs: (v) => PEER_ID.test(v),
  ws: null,
  wss: null,
  tls: null,
  noise: null,
  'quic-v1': null,
  'p2p-circuit': null,
};

function checkMultiaddr(addr: string): string | undefined {
  const parts = addr.split('/').slice(1);
  if (!['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr'].includes(parts[0] ?? '')) {
    return 'must start with /ip4, /ip6, /dns, /dns4, /dns6 or /dnsaddr';
  }
  for (let i = 0; i < parts.length; i++) {
    const proto = parts[i]!;
    if (!Object.hasOwn(MA_PROTOCOLS, proto)) return `unknown protocol "${proto}"`;
    const check = MA_PROTOCOLS[proto];
    if (check) {
      const value = parts[++i];
      if (value === undefined || !check(value)) return `bad /${proto} value ${q(value ?? '')}`;
    }
  }
  return undefined;
}

/** Parse a BOOTSTRAP list; empty entries are skipped, duplicates removed. */
export function parseBootstrap(list: string): BootstrapEntry[] {
  const out = new Map<string, BootstrapEntry>();
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (entry.startsWith('/')) {
      const addr = entry.replace(/\/+$/, '');
      const problem = checkMultiaddr(addr);
      if (problem) throw new Error(`entry ${q(entry)} is not a valid multiaddr: ${problem}`);
      out.set(addr, { kind: 'multiaddr', addr });
      continue;
    }
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(entry);
    const h = m ? (m[1] ?? m[2]!).toLowerCase() : '';
    if (!m || !(m[1] !== undefined ? isIPv6(h) : isHost(h)) || !isUint(m[3]!, 1, 65535)) {
      throw new Error(
        `entry ${q(entry)} is neither a multiaddr (/ip4/1.2.3.4/tcp/9000/p2p/<peer-id>) nor host:port (port 1-65535)`,
      );
    }
    const e: BootstrapEntry = { kind: 'hostport', host: h, port: Number(m[3]) };
    out.set(`${e.host}|${e.port}`, e);
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------
// The settings table

export interface Spec<T> {
  /** commander long flag, or undefined for env-only settings */
  flag?: string;
  /** commander argument placeholder, e.g. `<port>`; `[bool]` for booleans */
  arg?: string;
  /** value as it appears in default.env */
  default: string;
  description: string;
  schema: z.ZodType<T, z.ZodTypeDef, string>;
}
const spec = <T>(s: Spec<T>): Spec<T> => s;

export const SPECS = {
  CHAIN_ID: spec({
    default: 'posplus-dev',
    description: 'chain identifier, 1-64 characters of a-z, 0-9 and -',
    schema: str.refine((s) => /^[a-z0-9-]{1,64}$/.test(s), bad('is not 1-64 characters of a-z, 0-9 and -')),
  }),
  DATA_DIR: spec({ flag: '--data-dir', arg: '<dir>', default: './data', description: 'directory for the chain database and node key', schema: nonEmpty }),
  GENESIS: spec({
    flag: '--genesis',
    arg: '<file>',
    default: 'config/genesis.json',
    description: 'genesis JSON file (relative paths in default.env resolve against the package root, elsewhere against the working directory)',
    schema: nonEmpty,
  }),
  LOG_LEVEL: spec({ flag: '--log-level', arg: '<level>', default: 'info', description: `log level: ${LOG_LEVELS.join('|')}`, schema: oneOf(LOG_LEVELS) }),
  P2P_HOST: spec({ flag: '--p2p-host', arg: '<host>', default: '0.0.0.0', description: 'address the libp2p TCP listener binds to', schema: host }),
  P2P_PORT: spec({ flag: '--p2p-port', arg: '<port>', default: '9000', description: 'libp2p TCP port (0 = any free port)', schema: port }),
  BOOTSTRAP: spec({
    flag: '--bootstrap',
    arg: '<list>',
    default: '',
    description: 'comma-separated peers to dial at start: multiaddrs (/ip4/1.2.3.4/tcp/9000/p2p/12D3...) or host:port',
    schema: parsedBy(parseBootstrap),
  }),
  MDNS: spec({ flag: '--mdns', arg: '[bool]', default: 'true', description: 'discover peers on the local network with mDNS (true/false)', schema: bool }),
  RPC_HOST: spec({ flag: '--rpc-host', arg: '<host>', default: '127.0.0.1', description: 'address the JSON-RPC server binds to', schema: host }),
  RPC_PORT: spec({ flag: '--rpc-port', arg: '<port>', default: '8545', description: 'JSON-RPC port (0 = any free port)', schema: port }),
  HEALTH_STALL_S: spec({
    flag: '--health-stall-s',
    arg: '<seconds>',
    default: '60',
    description: 'GET /health says 503 once the node has had pending work this long without committing a block',
    schema: int(1, 86_400, 'an integer number of seconds from 1 to 86400'),
  }),
  RETAIN_BLOCKS: spec({
    flag: '--retain-blocks',
    arg: '<n>',
    default: '0',
    description: 'keep only the newest n blocks (with their certificates and transactions) on disk; 0 keeps them all',
    schema: int(0, Number.MAX_SAFE_INTEGER, 'an integer >= 0'),
  }),
  GENESIS_NODES: spec({
    flag: '--genesis-nodes',
    arg: '<n>',
    default: '1',
    description: 'number of nodes the start-up ceremony waits for (1 = single-node dev chain)',
    schema: int(1, Number.MAX_SAFE_INTEGER, 'an integer >= 1'),
  }),
  GENESIS_QUIET_MS: spec({
    flag: '--genesis-quiet-ms',
    arg: '<ms>',
    default: '20000',
    description: 'ms the start-up ceremony waits without a new candidacy before closing with fewer than GENESIS_NODES',
    schema: int(1000, Number.MAX_SAFE_INTEGER, 'an integer number of milliseconds >= 1000'),
  }),
  // No flag for the secret itself: a command line is visible to every user of the machine (ps).
  GENESIS_SECRET: spec({
    default: '',
    description: 'the deployment\'s ceremony secret, hex, at least 128 bits; required when GENESIS_NODES > 1 (or use GENESIS_SECRET_FILE)',
    schema: str,
  }),
  GENESIS_SECRET_FILE: spec({
    flag: '--genesis-secret-file',
    arg: '<file>',
    default: '',
    description: 'file holding the ceremony secret (hex); wins over GENESIS_SECRET',
    schema: str,
  }),
  POSITION: spec({
    flag: '--position',
    arg: '<x,y>',
    default: '',
    description: 'position in metres "x,y" inside the area (empty = random, chosen and persisted by the node)',
    schema: position,
  }),
  MOBILITY_SPEED: spec({
    flag: '--mobility-speed',
    arg: '<m/s>',
    default: '0',
    description: 'random-waypoint mobility: speed in metres per second (0 = the node stays where it is)',
    schema: int(0, 100_000, 'an integer number of metres per second from 0 to 100000'),
  }),
  STAKE: spec({
    flag: '--stake',
    arg: '<amount>',
    default: '0',
    description: 'stake to register at start (0 = do not register)',
    schema: int(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer'),
  }),
  ENGINE: spec({ flag: '--engine', arg: '<name>', default: 'ncca', description: `consensus engine: ${ENGINE_NAMES.join('|')}`, schema: oneOf(ENGINE_NAMES) }),
  BEHAVIOR: spec({
    flag: '--behavior',
    arg: '<list>',
    default: '',
    description:
      'test networks only: comma list of delay[:ms], drop, equivocate, falsevote, invalidblock, offline[:on/off], doublespend, dormant:H (empty = honest)',
    schema: parsedBy(parseBehaviors),
  }),
};

export type SettingName = keyof typeof SPECS;
