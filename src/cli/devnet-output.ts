/** What the devnet and the commands that run one print: readable node log lines, member tables, exits, progress. */
import type { DevnetMember, GenesisProgress } from './devnet.js';
import { LOOPBACK } from './local-ports.js';

/** Turns a pino JSON line into `LEVEL message key=value…`; other lines come back as they are. */
export function readableLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const { level, time: _t, pid: _p, hostname: _h, name: _n, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const levels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
    const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    return [levels[level as number] ?? String(level), msg, ...extra].filter((s) => s !== undefined && s !== '').join(' ');
  } catch {
    return line;
  }
}

export function describeExit(m: DevnetMember): string {
  if (m.exit === undefined) return 'running';
  return m.exit.signal ? `killed by ${m.exit.signal}` : `exit code ${m.exit.code}`;
}

/** The table of index, peer id, RPC URL and P2P address. */
export function formatMemberTable(members: DevnetMember[]): string {
  const rows = [
    ['#', 'peer id', 'rpc', 'p2p'],
    ...members.map((m) => [String(m.index), m.peerId ?? '?', m.rpcUrl, `/ip4/${LOOPBACK}/tcp/${m.p2pPort}`]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}

/** Writes progress on stderr: one line rewritten in place on a terminal, a line per change otherwise. */
export function progressReporter(prefix: string): { update: (text: string) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = '';
  let lastAt = 0;
  return {
    update(text: string) {
      if (tty) {
        process.stderr.write(`\r\x1b[2K${prefix}${text}`);
      } else if (text !== last || Date.now() - lastAt > 5000) {
        process.stderr.write(`${prefix}${text}\n`);
        lastAt = Date.now();
      }
      last = text;
    },
    done() {
      if (tty && last) process.stderr.write('\n');
    },
  };
}

export function describeGenesisProgress(p: GenesisProgress, n: number): string {
  const secs = Math.round(p.elapsedMs / 1000);
  return `${secs}s: ${p.up}/${n} nodes answering, ${p.withGenesis}/${n} with a genesis${p.hashes > 1 ? ` (${p.hashes} different)` : ''}, fewest peers ${p.minPeers}`;
}
