/**
 * Consensus engine names and (mis)behaviour descriptors shared by the node
 * configuration and the simulator. Pure: no I/O.
 */

export const ENGINE_NAMES = ['ncca', 'pos', 'rpca', 'cdbft', 'dpos'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export function isEngineName(s: string): s is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(s);
}

/**
 * A scripted behaviour for test networks (DESIGN §6). An empty list means honest. The code of each is in
 * src/consensus/misbehavior/ (misbehaviorOf), run alike by the simulator and by a node started with --behavior.
 * - delay:       hold every outgoing consensus message for `ms` milliseconds
 * - drop:        silently drop incoming consensus messages (do not relay or answer) and do not vote
 * - equivocate:  sign two different blocks / votes for the same height
 * - falsevote:   vote yes for invalid, abstain for valid (blocks and NCCA ballots)
 * - invalidblock: propose blocks that fail validation
 * - offline:     cycle `onSec` seconds online, then `offSec` seconds offline
 * - doublespend: submit conflicting transactions spending the same funds
 * - dormant:     behave honestly until block height `height`; the other listed
 *                behaviours (alone: drop) take effect from that height on
 */
export type Behavior =
  | { kind: 'delay'; ms: number }
  | { kind: 'drop' }
  | { kind: 'equivocate' }
  | { kind: 'falsevote' }
  | { kind: 'invalidblock' }
  | { kind: 'offline'; onSec: number; offSec: number }
  | { kind: 'doublespend' }
  | { kind: 'dormant'; height: number };

export type BehaviorKind = Behavior['kind'];

/** Defaults used when the optional argument is omitted (`delay`, `offline`). */
export const DEFAULT_DELAY_MS = 500;
export const DEFAULT_OFFLINE = { onSec: 30, offSec: 10 } as const;

/** Syntax of every behaviour, in the order used in messages and help text. */
export const BEHAVIOR_SYNTAX: Readonly<Record<BehaviorKind, string>> = {
  delay: 'delay[:ms]',
  drop: 'drop',
  equivocate: 'equivocate',
  falsevote: 'falsevote',
  invalidblock: 'invalidblock',
  offline: 'offline[:on/off]',
  doublespend: 'doublespend',
  dormant: 'dormant:H',
};

export class BehaviorError extends Error {
  override readonly name = 'BehaviorError';
  constructor(
    message: string,
    readonly entry: string,
  ) {
    super(message);
  }
}

const UINT = /^\d+$/;
const toUint = (s: string): number | undefined =>
  UINT.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : undefined;

/** Parse one entry's argument. Returns the behaviour or a problem description. */
const PARSERS: Record<BehaviorKind, (arg: string | undefined) => Behavior | string> = {
  delay: (arg) => {
    if (arg === undefined) return { kind: 'delay', ms: DEFAULT_DELAY_MS };
    const ms = toUint(arg);
    return ms === undefined ? 'needs a whole number of milliseconds (delay:200)' : { kind: 'delay', ms };
  },
  drop: () => ({ kind: 'drop' }),
  equivocate: () => ({ kind: 'equivocate' }),
  falsevote: () => ({ kind: 'falsevote' }),
  invalidblock: () => ({ kind: 'invalidblock' }),
  offline: (arg) => {
    if (arg === undefined) return { kind: 'offline', ...DEFAULT_OFFLINE };
    const m = /^(\d+)\/(\d+)$/.exec(arg);
    const onSec = m ? toUint(m[1]!) : undefined;
    const offSec = m ? toUint(m[2]!) : undefined;
    if (onSec === undefined || offSec === undefined || onSec === 0 || offSec === 0)
      return 'needs positive whole seconds online/offline (offline:30/10)';
    return { kind: 'offline', onSec, offSec };
  },
  doublespend: () => ({ kind: 'doublespend' }),
  dormant: (arg) => {
    const height = arg === undefined ? undefined : toUint(arg);
    return height === undefined ? 'needs a block height (dormant:50)' : { kind: 'dormant', height };
  },
};

/** Kinds that take no argument. */
const NO_ARG = new Set<BehaviorKind>(['drop', 'equivocate', 'falsevote', 'invalidblock', 'doublespend']);

/**
 * Parse a comma-separated behaviour list such as `delay:200,drop,offline:30/10,dormant:50`.
 * Names are case-insensitive, whitespace around entries and empty entries are ignored.
 * Throws BehaviorError naming the offending entry (unknown name, bad argument, duplicate).
 */
export function parseBehaviors(list: string): Behavior[] {
  const out: Behavior[] = [];
  for (const rawEntry of list.split(',')) {
    const entry = rawEntry.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const name = (colon < 0 ? entry : entry.slice(0, colon)).trim().toLowerCase();
    const arg = colon < 0 ? undefined : entry.slice(colon + 1).trim();
    if (!Object.hasOwn(PARSERS, name)) {
      throw new BehaviorError(
        `unknown behaviour "${name}"${name === entry ? '' : ` in "${entry}"`} (known: ${Object.values(BEHAVIOR_SYNTAX).join(', ')})`,
        entry,
      );
    }
    const kind = name as BehaviorKind;
    if (NO_ARG.has(kind) && arg !== undefined) {
      throw new BehaviorError(`behaviour "${entry}": ${kind} takes no argument`, entry);
    }
    const parsed = PARSERS[kind](arg);
    if (typeof parsed === 'string') throw new BehaviorError(`behaviour "${entry}": ${kind} ${parsed}`, entry);
    if (out.some((b) => b.kind === kind)) throw new BehaviorError(`behaviour "${entry}": ${kind} listed twice`, entry);
    out.push(parsed);
  }
  return out;
}

/** Inverse of parseBehaviors (canonical spelling), e.g. for logs. */
export function formatBehaviors(list: readonly Behavior[]): string {
  return list
    .map((b) => {
      switch (b.kind) {
        case 'delay':
          return `delay:${b.ms}`;
        case 'offline':
          return `offline:${b.onSec}/${b.offSec}`;
        case 'dormant':
          return `dormant:${b.height}`;
        default:
          return b.kind;
      }
    })
    .join(',');
}
