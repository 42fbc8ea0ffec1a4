/**
 * What a Docker engine changes on the host's network, read before the engine starts and put back after it stops:
 * the iptables and ip6tables rules with their chain policies (dockerd sets FORWARD to DROP), the forwarding
 * sysctls, and the links it adds (docker0, a bridge per network, veths). Synchronous, so it also runs from a
 * process 'exit' handler.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const SYSCTLS = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv6/conf/all/forwarding'];
/** The links an engine makes; anything else new in the root namespace is none of this helper's business. */
const ENGINE_LINK = /^(docker0|br-[0-9a-f]{12}|veth[0-9a-f]{7})$/;
const FIREWALLS = ['iptables', 'ip6tables'] as const;
type Firewall = (typeof FIREWALLS)[number];

export interface HostNetworkState {
  /** Per firewall, per table: the rules as `<fw>-save` prints them, counters and comments left out. */
  tables: Record<Firewall, Map<string, string>>;
  sysctls: Map<string, string>;
  links: Set<string>;
}

function run(cmd: string, args: string[], input?: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 30_000 });
  return { ok: r.status === 0, out: r.stdout ?? '' };
}

/** The tables of one `iptables-save` dump, each as the text between its `*table` line and COMMIT. */
function parseDump(dump: string): Map<string, string> {
  const tables = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  for (const raw of dump.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      name = line.slice(1);
      lines = [];
    } else if (line === 'COMMIT' && name !== undefined) {
      tables.set(name, lines.join('\n'));
      name = undefined;
    } else {
      lines.push(line.replace(/ \[\d+:\d+\]$/, ''));
    }
  }
  return tables;
}

function readTables(fw: Firewall): Map<string, string> {
  const r = run(`${fw}-save`, []);
  return r.ok ? parseDump(r.out) : new Map();
}

function links(): Set<string> {
  const out = run('ip', ['-o', 'link', 'show']).out;
  return new Set(out.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '').filter((n) => n !== ''));
}

export function readHostNetworkState(): HostNetworkState {
  const sysctls = new Map<string, string>();
  for (const path of SYSCTLS) {
    try {
      sysctls.set(path, readFileSync(path, 'utf8').trim());
    } catch {
      // no IPv6 here: nothing to keep
    }
  }
  return { tables: { iptables: readTables('iptables'), ip6tables: readTables('ip6tables') }, sysctls, links: links() };
}

/** How `now` differs from `then`, one line per difference; empty when the host is as it was. */
export function diffHostNetworkState(then: HostNetworkState, now: HostNetworkState): string[] {
  const diffs: string[] = [];
  for (const fw of FIREWALLS) {
    for (const [table, rules] of now.tables[fw]) {
      const before = then.tables[fw].get(table) ?? emptyTable(rules);
      if (rules !== before) diffs.push(`${fw} table ${table} differs:\n${rules}\nwas:\n${before}`);
    }
  }
  for (const [path, value] of then.sysctls) if (now.sysctls.get(path) !== value) diffs.push(`${path} is ${now.sysctls.get(path)}, was ${value}`);
  for (const link of now.links) if (!then.links.has(link) && ENGINE_LINK.test(link)) diffs.push(`link ${link} was added`);
  return diffs;
}

/** A table with no rules: its built-in chains (the `:NAME POLICY` lines of `rules` without a `-`) accepting. */
function emptyTable(rules: string): string {
  return rules
    .split('\n')
    .filter((l) => /^:\S+ (ACCEPT|DROP|RETURN)$/.test(l))
    .map((l) => l.replace(/ \S+$/, ' ACCEPT'))
    .join('\n');
}

/** Puts back the rules, sysctls and links of `then` (run once the engine has stopped). */
export function restoreHostNetworkState(then: HostNetworkState): void {
  const now = readHostNetworkState();
  for (const fw of FIREWALLS) {
    for (const [table, rules] of now.tables[fw]) {
      const want = then.tables[fw].get(table) ?? emptyTable(rules);
      if (rules !== want) run(`${fw}-restore`, [], `*${table}\n${want.split('\n').map((l) => (l.startsWith(':') ? `${l} [0:0]` : l)).join('\n')}\nCOMMIT\n`);
    }
  }
  for (const [path, value] of then.sysctls) if (now.sysctls.get(path) !== value) writeFileSync(path, `${value}\n`);
  for (const link of now.links) if (!then.links.has(link) && ENGINE_LINK.test(link)) run('ip', ['link', 'del', link]);
}
