/**
 * Node configuration: one table of settings, five layered sources, validated at start.
 *
 * Sources, later wins:
 *   built-in defaults < config/default.env (package root; may be missing)
 *   < --config FILE (must exist) < environment < command-line flags.
 *
 * Within one .env file or the environment, the seed's names are accepted as aliases with
 * lower precedence than the canonical name: SERVER_HOST → P2P_HOST, SERVER_PORT / ADDR →
 * P2P_PORT, KNOWN_NODES → appended to BOOTSTRAP, DEBUG=true|1|yes → LOG_LEVEL=debug.
 * Each source is folded on its own, so e.g. SERVER_PORT in the environment beats
 * P2P_PORT in a --config file, and --bootstrap replaces BOOTSTRAP+KNOWN_NODES from the
 * environment.
 *
 * Every value is a string until validated (defaults too, exactly as in default.env);
 * only the winning value of each setting is validated. Any problem is a ConfigError
 * with a one-line message: `SETTING (source): what is wrong`.
 */
import { readFileSync } from 'node:fs';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ENGINE_NAMES, parseBehaviors, type Behavior, type EngineName } from '../core/behavior.js';
import { GenesisSecret, MAKE_SECRET_HINT } from '../core/genesis-secret.js';
import { EnvParseError, readEnvFile, type EnvEntry } from './env-file.js';

export type { Behavior, EngineName } from '../core/behavior.js';

export type BootstrapEntry = { kind: 'multiaddr'; addr: string } | { kind: 'hostport'; host: string; port: number };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface NodeConfig {
  chainId: string;
  dataDir: string;
  /** absolute path */
  genesisPath: string;
  logLevel: LogLevel;
  p2pHost: string;
  p2pPort: number;
  bootstrap: BootstrapEntry[];
  mdns: boolean;
  rpcHost: string;
  rpcPort: number;
  /** /health turns 503 after this long with pending work and no commit, ms. */
  healthStallMs: number;
  /** Blocks kept on disk below the head; 0 keeps them all. */
  retainBlocks: number;
  genesisNodes: number;
  genesisQuietMs: number;
  /** undefined: a single-node chain that admits no one to its ceremony */
  genesisSecret?: GenesisSecret;
  /** metres; undefined = random, chosen and persisted by the node */
  position?: { x: number; y: number };
  stake: number;
  /** metres per second; 0 = static */
  mobilitySpeed: number;
  engine: EngineName;
  behaviors: Behavior[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /**
   * @param setting canonical env name of the offending setting; undefined when the problem
   *   is a whole file (missing --config file, malformed .env line)
   * @param source where the value came from: default, default.env, a file path, environment, flag --x
   */
  constructor(
    message: string,
    readonly setting?: string,
    readonly source?: string,
  ) {
    super(message);
  }
}

/** The package root (dist/src/node/config.js → three levels up). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEFAULT_ENV_URL = new URL('../../../config/default.env', import.meta.url);

// ---------------------------------------------------------------------------------------
// Value checks (zod schemas from the raw, already trimmed string to the typed value)

const q = (v: unknown) => JSON.stringify(v);
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

const BOOL: Record<string, boolean> = { true: true, yes: true, '1': true, false: false, no: false, '0': false };
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

interface Spec<T> {
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

const SPECS = {
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
type Values = { [K in SettingName]: z.output<(typeof SPECS)[K]['schema']> };
const NAMES = Object.keys(SPECS) as SettingName[];
const isSetting = (k: string): k is SettingName => Object.hasOwn(SPECS, k);

const camel = (flag: string) => flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export interface SettingInfo {
  /** env name, also the key of `flags` passed to loadConfig */
  name: SettingName;
  /** commander long flag (`--rpc-port`), undefined for env-only settings */
  flag?: string;
  /** commander placeholder (`<port>`, `[bool]`) */
  arg?: string;
  /** commander's camelCase option name (`rpcPort`) */
  option?: string;
  /** default as written in default.env ('' = unset / empty list) */
  default: string;
  description: string;
}

/** Settings metadata, in table order (the order of config/default.env). */
export const SETTINGS: readonly SettingInfo[] = NAMES.map((name) => {
  const { flag, arg, default: def, description } = SPECS[name] as Spec<unknown>;
  return { name, flag, arg, option: flag && camel(flag), default: def, description };
});

/** commander camelCase option name → env name, e.g. rpcPort → RPC_PORT. */
export const FLAG_TO_SETTING: Record<string, string> = Object.fromEntries(
  SETTINGS.filter((s) => s.option).map((s) => [s.option!, s.name]),
);

/** The seed's names, lower precedence than the canonical name in the same source. */
const ALIASES: { alias: string; target: SettingName; map?: (v: string) => string | undefined; append?: true }[] = [
  { alias: 'SERVER_HOST', target: 'P2P_HOST' },
  { alias: 'SERVER_PORT', target: 'P2P_PORT' },
  { alias: 'ADDR', target: 'P2P_PORT' },
  { alias: 'KNOWN_NODES', target: 'BOOTSTRAP', append: true },
  // DEBUG also drives the `debug` package (DEBUG=libp2p:*): anything but a true value is ignored.
  { alias: 'DEBUG', target: 'LOG_LEVEL', map: (v) => (BOOL[v.toLowerCase()] === true ? 'debug' : undefined) },
];
const KNOWN_KEYS = new Set<string>([...NAMES, ...ALIASES.map((a) => a.alias)]);

// ---------------------------------------------------------------------------------------
// Loading

interface Raw {
  value: string;
  source: string;
}
type Layer = Partial<Record<SettingName, Raw>>;

/** Fold one source (a .env file or the environment) into a layer, applying aliases. */
function foldSource(get: (key: string) => string | undefined, source: string): Layer {
  const layer: Layer = {};
  for (const name of NAMES) {
    const v = get(name);
    if (v !== undefined) layer[name] = { value: v.trim(), source };
  }
  for (const { alias, target, map, append } of ALIASES) {
    const raw = get(alias)?.trim();
    const v = raw ? (map ? map(raw) : raw) : undefined;
    if (v === undefined) continue;
    const cur = layer[target];
    if (!cur) layer[target] = { value: v, source: `${source}, via ${alias}` };
    else if (append) layer[target] = { value: [cur.value, v].filter(Boolean).join(','), source: `${source}, ${target} + ${alias}` };
  }
  return layer;
}

const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory' };

function fileLayer(path: string | URL, label: string, optional: boolean, warnings?: string[]): Layer {
  let entries: EnvEntry[];
  try {
    entries = readEnvFile(path, label);
  } catch (e) {
    if (e instanceof EnvParseError) throw new ConfigError(e.message, undefined, label);
    const err = e as NodeJS.ErrnoException;
    if (optional && err.code === 'ENOENT') return {};
    const why = READ_ERRORS[err.code ?? ''] ?? err.message;
    throw new ConfigError(`${optional ? label : '--config'}: cannot read ${q(String(path))}: ${why}${err.code ? ` (${err.code})` : ''}`, undefined, label);
  }
  const map = new Map(entries.map((e) => [e.key, e.value]));
  if (warnings) {
    for (const e of entries) if (!KNOWN_KEYS.has(e.key)) warnings.push(`${label}:${e.line}: unknown setting ${e.key} ignored`);
  }
  return foldSource((k) => map.get(k), label);
}

function flagLayer(flags: Record<string, string | boolean | undefined>): Layer {
  const layer: Layer = {};
  for (const [key, v] of Object.entries(flags)) {
    const name = isSetting(key) ? key : FLAG_TO_SETTING[key];
    if (v === undefined || name === undefined || !isSetting(name)) continue; // not ours (e.g. commander's `config`)
    const flag = SPECS[name].flag;
    layer[name] = { value: String(v).trim(), source: flag ? `flag ${flag}` : 'flag' };
  }
  return layer;
}

/** GENESIS_SECRET_FILE's content, else GENESIS_SECRET; undefined when neither is set. */
function genesisSecretOf(value: string, file: string, fail: (name: SettingName, message: string) => never): GenesisSecret | undefined {
  const [name, text] = file !== '' ? (['GENESIS_SECRET_FILE', readSecretFile(file, fail)] as const) : (['GENESIS_SECRET', value] as const);
  if (text === '') return undefined;
  try {
    return GenesisSecret.parse(text);
  } catch (e) {
    // The value itself is never echoed: it is a secret.
    return fail(name, `the secret ${(e as Error).message}`);
  }
}

function readSecretFile(file: string, fail: (name: SettingName, message: string) => never): string {
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (e) {
    return fail('GENESIS_SECRET_FILE', `cannot read ${q(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export interface LoadConfigOptions {
  /** keyed by env name (RPC_PORT) or commander option name (rpcPort); undefined = not given */
  flags: Record<string, string | boolean | undefined>;
  env: NodeJS.ProcessEnv | Record<string, string | undefined>;
  /** --config FILE: a .env file that must exist */
  configFile?: string;
  /** default.env location; undefined = config/default.env in the package, null = skip */
  defaultEnvPath?: string | URL | null;
}

export interface LoadedConfig {
  config: NodeConfig;
  warnings: string[];
  /** where each setting's value came from (`posplus config` prints it) */
  sources: Record<SettingName, string>;
  /** each setting's value as that source wrote it, before parsing */
  raw: Record<SettingName, string>;
}

export function loadConfig(opts: LoadConfigOptions): LoadedConfig {
  const warnings: string[] = [];
  const defaults: Layer = Object.fromEntries(NAMES.map((n) => [n, { value: SPECS[n].default, source: 'default' }]));
  const defaultEnvPath = opts.defaultEnvPath === undefined ? DEFAULT_ENV_URL : opts.defaultEnvPath;
  const layers: Layer[] = [
    defaults,
    defaultEnvPath === null ? {} : fileLayer(defaultEnvPath, 'default.env', true),
    opts.configFile === undefined ? {} : fileLayer(opts.configFile, opts.configFile, false, warnings),
    foldSource((k) => opts.env[k], 'environment'),
    flagLayer(opts.flags),
  ];
  const winner = (name: SettingName): Raw => layers.reduce<Raw | undefined>((w, l) => l[name] ?? w, undefined)!;
  function fail(name: SettingName, message: string): never {
    const { source } = winner(name);
    throw new ConfigError(`${name} (${source}): ${message}`, name, source);
  }

  const values = {} as Record<SettingName, unknown>;
  const sources = {} as Record<SettingName, string>;
  const raw = {} as Record<SettingName, string>;
  for (const name of NAMES) {
    const { value, source } = winner(name);
    raw[name] = value;
    const result = SPECS[name].schema.safeParse(value);
    if (!result.success) fail(name, result.error.issues[0]?.message ?? `${q(value)} is invalid`);
    values[name] = result.data;
    sources[name] = source;
  }
  const v = values as Values;

  // GENESIS from the package's own defaults resolves against the package root.
  const packageOwned = sources.GENESIS === 'default' || sources.GENESIS === 'default.env';
  const config: NodeConfig = {
    chainId: v.CHAIN_ID,
    dataDir: v.DATA_DIR,
    genesisPath: packageOwned ? resolve(PACKAGE_ROOT, v.GENESIS) : resolve(v.GENESIS),
    logLevel: v.LOG_LEVEL,
    p2pHost: v.P2P_HOST,
    p2pPort: v.P2P_PORT,
    bootstrap: v.BOOTSTRAP,
    mdns: v.MDNS,
    rpcHost: v.RPC_HOST,
    rpcPort: v.RPC_PORT,
    healthStallMs: v.HEALTH_STALL_S * 1000,
    retainBlocks: v.RETAIN_BLOCKS,
    genesisNodes: v.GENESIS_NODES,
    genesisQuietMs: v.GENESIS_QUIET_MS,
    stake: v.STAKE,
    mobilitySpeed: v.MOBILITY_SPEED,
    engine: v.ENGINE,
    behaviors: v.BEHAVIOR,
  };
  if (v.POSITION) config.position = v.POSITION;
  const secret = genesisSecretOf(v.GENESIS_SECRET, v.GENESIS_SECRET_FILE, fail);
  if (secret !== undefined) config.genesisSecret = secret;
  else if (config.genesisNodes > 1) {
    fail('GENESIS_SECRET', `is required when GENESIS_NODES is ${config.genesisNodes}: only replicas that know it take part in the start-up ceremony; ${MAKE_SECRET_HINT}`);
  }

  // Cross-field checks. (POSITION against the map is checked by the node: the map is the chain's, in genesis.json.)
  if (config.rpcPort !== 0 && config.rpcPort === config.p2pPort) {
    fail('RPC_PORT', `${config.rpcPort} is also the P2P_PORT (${sources.P2P_PORT})`);
  }
  return { config, warnings, sources, raw };
}
