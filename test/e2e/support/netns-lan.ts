/**
 * A LAN of network namespaces for end-to-end tests: one namespace per node, each with an `eth0` on a bridge that
 * sits in a switch namespace of its own, as a real LAN switch would. Nothing touches the root namespace, so the
 * host's firewall (dockerd sets the FORWARD policy to DROP) cannot get in the way, and after `teardown()` nothing
 * is left. Each node's RPC listens on 127.0.0.1 inside its namespace and is reached through a small helper
 * process there. Needs root and iproute2; `NetnsLan.create` says why not otherwise. Names carry the test's pid.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

export const NETNS_SKIP_MESSAGE = 'needs root and iproute2 (ip) to create network namespaces';

function ip(args: string[], allowFail = false): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout ?? '';
}

/**
 * A JSON-RPC client for a node whose RPC listens on 127.0.0.1 inside a namespace: a helper process in that
 * namespace reads one request per line on stdin, does the fetch, writes one reply per line on stdout.
 */
const HELPER = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const { id, url, body } = JSON.parse(line);
  let reply;
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
    reply = { id, text: await res.text() };
  } catch (err) {
    reply = { id, error: String((err && err.cause && err.cause.code) || err) };
  }
  process.stdout.write(JSON.stringify(reply) + '\\n');
});
`;

export class NamespaceRpc {
  private readonly proc: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();

  constructor(
    readonly ns: string,
    private readonly url = 'http://127.0.0.1:8545',
  ) {
    this.proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', HELPER], { stdio: ['pipe', 'pipe', 'inherit'] });
    let rest = '';
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        this.settle(JSON.parse(line) as { id: number; text?: string; error?: string });
      }
    });
    this.proc.once('exit', () => {
      for (const w of this.waiting.values()) w.fail(new Error(`${ns}: the RPC helper exited`));
      this.waiting.clear();
    });
  }

  private settle(reply: { id: number; text?: string; error?: string }): void {
    const w = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    if (!w) return;
    if (reply.error !== undefined) return w.fail(new Error(`${this.ns}: ${reply.error}`));
    const body = JSON.parse(reply.text!) as { result?: unknown; error?: { message: string } };
    if (body.error) w.fail(new Error(`${this.ns}: ${body.error.message}`));
    else w.ok(body.result);
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((ok, fail) => {
      this.waiting.set(id, { ok: ok as (v: unknown) => void, fail });
      this.proc.stdin!.write(JSON.stringify({ id, url: this.url, body: { jsonrpc: '2.0', id, method, params } }) + '\n');
    });
  }

  /** The call's result, or undefined while the node does not answer (starting, no chain yet). */
  try<T>(method: string, params: Record<string, unknown> = {}): Promise<T | undefined> {
    return this.call<T>(method, params).catch(() => undefined);
  }

  close(): void {
    this.proc.stdin?.end();
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
  }
}

export class NetnsLan {
  private up = true;
  private readonly bridges = new Set<string>();

  private constructor(
    readonly size: number,
    /** The first three octets of the LAN's /24, e.g. "10.77.0". */
    private readonly subnet: string,
  ) {}

  /** The LAN, or the reason it cannot be made here (not root, no `ip`, namespaces forbidden). */
  static create(size: number, subnet: string): NetnsLan | string {
    if (process.getuid?.() !== 0) return `${NETNS_SKIP_MESSAGE} (not running as root)`;
    if (spawnSync('ip', ['-V'], { encoding: 'utf8' }).status !== 0) return `${NETNS_SKIP_MESSAGE} (no ip command)`;
    const lan = new NetnsLan(size, subnet);
    const probe = spawnSync('ip', ['netns', 'add', lan.switchNs], { encoding: 'utf8' });
    if (probe.status !== 0) return `${NETNS_SKIP_MESSAGE} (ip netns add: ${probe.stderr.trim()})`;
    process.once('exit', lan.teardown);
    try {
      lan.build();
    } catch (err) {
      lan.teardown();
      throw err;
    }
    return lan;
  }

  get switchNs(): string {
    return `pp-sw-${process.pid}-${this.subnet.split('.')[1]}`;
  }

  nsOf(i: number): string {
    return `pp-ns-${process.pid}-${this.subnet.split('.')[1]}-${i}`;
  }

  ipOf(i: number): string {
    return `${this.subnet}.${i + 1}`;
  }

  /** The switch's port for node i (at most 15 characters). */
  private portOf(i: number): string {
    return `sw${this.subnet.split('.')[1]}p${i}`;
  }

  /** A bridge in the switch namespace: not filtered by br_netfilter; multicast (mDNS) flooded to every port. */
  private addBridge(name: string): void {
    const sw = ['-n', this.switchNs];
    ip([...sw, 'link', 'add', 'name', name, 'type', 'bridge']);
    ip([...sw, 'link', 'set', name, 'type', 'bridge', 'mcast_snooping', '0'], true);
    ip([...sw, 'link', 'set', name, 'type', 'bridge', 'nf_call_iptables', '0', 'nf_call_ip6tables', '0', 'nf_call_arptables', '0'], true);
    ip([...sw, 'link', 'set', name, 'up']);
  }

  private build(): void {
    const sw = ['-n', this.switchNs];
    this.addBridge('br0');
    for (let i = 0; i < this.size; i++) {
      const ns = this.nsOf(i);
      ip(['netns', 'add', ns]);
      ip([...sw, 'link', 'add', this.portOf(i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      ip([...sw, 'link', 'set', this.portOf(i), 'master', 'br0']);
      ip([...sw, 'link', 'set', this.portOf(i), 'up']);
      ip(['-n', ns, 'addr', 'add', `${this.ipOf(i)}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      // mDNS multicast needs a route: the default route leads onto the LAN.
      ip(['-n', ns, 'route', 'add', 'default', 'dev', 'eth0']);
    }
  }

  /**
   * Splits the LAN: the nodes of group g move to a bridge of their own (created on first use), so nodes talk only
   * within their group; nodes named in no group stay on the main bridge. Their links stay up, as on a real switch.
   */
  partition(...groups: number[][]): void {
    groups.forEach((group, g) => {
      const bridge = `br${g + 1}`;
      if (!this.bridges.has(bridge)) {
        this.addBridge(bridge);
        this.bridges.add(bridge);
      }
      for (const i of group) ip(['-n', this.switchNs, 'link', 'set', this.portOf(i), 'master', bridge]);
    });
  }

  /** Every node back on the main bridge. */
  heal(): void {
    for (let i = 0; i < this.size; i++) ip(['-n', this.switchNs, 'link', 'set', this.portOf(i), 'master', 'br0']);
  }

  /** A process in node i's namespace. */
  spawn(i: number, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.nsOf(i), command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  rpc(i: number): NamespaceRpc {
    return new NamespaceRpc(this.nsOf(i));
  }

  /** Synchronous and idempotent: also runs from process 'exit' if mocha is torn down abruptly. */
  readonly teardown = (): void => {
    if (!this.up) return;
    this.up = false;
    for (let i = 0; i < this.size; i++) ip(['netns', 'del', this.nsOf(i)], true);
    ip(['netns', 'del', this.switchNs], true);
    process.removeListener('exit', this.teardown);
  };
}
