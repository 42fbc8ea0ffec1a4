/**
 * A Docker engine and a compose command for the compose test. The engine that answers `docker info` is used as it
 * is. Where none does, as root, this helper sets one up the way a machine without Docker Hub needs: Debian's
 * docker.io, docker-compose and debootstrap, a dockerd on a socket of its own, and a local stand-in for the base
 * image the Dockerfile names (a Debian minbase with this Node 24 binary and npm). `release()` stops that dockerd
 * and puts back what it changed on the host (see host-network-state.ts). Synchronous, like NetnsLan's teardown.
 */
import { type SpawnSyncOptions, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type HostNetworkState, diffHostNetworkState, readHostNetworkState, restoreHostNetworkState } from './host-network-state.js';

export const DOCKER_SKIP_MESSAGE = 'needs a Docker engine that answers `docker info`, or root to set one up';
/** What the Dockerfile builds FROM; the compose test checks the Dockerfile still says so. */
export const BASE_IMAGE = 'node:24-bookworm-slim';
const SOCKET = '/run/posplus-test-docker.sock';
const EXEC_ROOT = '/run/posplus-test-docker';
const PIDFILE = '/run/posplus-test-dockerd.pid';

export interface Run {
  ok: boolean;
  out: string;
  err: string;
}

export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20, ...opts });
  return { ok: r.status === 0, out: String(r.stdout ?? ''), err: String(r.stderr ?? r.error?.message ?? '') };
}

const sleepSync = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const has = (cmd: string): boolean => run('sh', ['-c', `command -v ${cmd}`]).ok;
const tail = (text: string, n = 8): string => text.trim().split('\n').slice(-n).join('\n');

export class DockerEngine {
  private released = false;

  private constructor(
    /** The environment for docker and compose commands (DOCKER_HOST, and the legacy builder where buildx is missing). */
    readonly env: NodeJS.ProcessEnv,
    /** `docker compose` (v2) where it answers, else `docker-compose` (v1). */
    readonly compose: string[],
    /** What this helper started, to stop and undo; undefined for an engine that was already running. */
    private readonly own?: { pid: number; host: HostNetworkState },
  ) {}

  get startedHere(): boolean {
    return this.own !== undefined;
  }

  /** The engine, or why there is none here. Logs each slow step through `say`. */
  static acquire(say: (line: string) => void): DockerEngine | string {
    let env: NodeJS.ProcessEnv = { ...process.env };
    const root = process.getuid?.() === 0;
    if (!(has('docker') && run('docker', ['info'], { env }).ok)) {
      if (!root) return `${DOCKER_SKIP_MESSAGE} (no engine answers, and not running as root)`;
      const missing = installMissing(say);
      if (missing) return `${DOCKER_SKIP_MESSAGE} (${missing})`;
      env = { ...process.env, DOCKER_HOST: `unix://${SOCKET}` };
    }
    const compose = composeCommand(env);
    if (!compose) return `${DOCKER_SKIP_MESSAGE} (neither \`docker compose\` nor \`docker-compose\` answers)`;
    if (!run('docker', ['buildx', 'version'], { env }).ok) env = { ...env, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0' };
    let engine: DockerEngine;
    if (env.DOCKER_HOST === `unix://${SOCKET}`) {
      const host = readHostNetworkState();
      const pid = startDockerd(env, say);
      engine = new DockerEngine(env, compose, { pid, host });
      process.once('exit', engine.release);
    } else {
      engine = new DockerEngine(env, compose);
    }
    const base = ensureBaseImage(env, root, say);
    if (base) {
      engine.release();
      return `${DOCKER_SKIP_MESSAGE} (${base})`;
    }
    return engine;
  }

  docker(args: string[], opts: SpawnSyncOptions = {}): Run {
    return run('docker', args, { env: this.env, ...opts });
  }

  /**
   * Stops the dockerd this helper started (after removing the dangling build layers it made) and puts the host's
   * network back. Returns what still differs from before (empty when all is back); nothing for an engine it found.
   */
  readonly release = (): string[] => {
    if (this.released || !this.own) return [];
    this.released = true;
    process.removeListener('exit', this.release);
    this.docker(['image', 'prune', '--force'], { timeout: 60_000 });
    try {
      process.kill(this.own.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    for (let i = 0; i < 120 && alive(this.own.pid); i++) sleepSync(250);
    if (alive(this.own.pid)) process.kill(this.own.pid, 'SIGKILL');
    restoreHostNetworkState(this.own.host);
    rmSync(EXEC_ROOT, { recursive: true, force: true });
    rmSync(SOCKET, { force: true });
    return diffHostNetworkState(this.own.host, readHostNetworkState());
  };
}

/** Running, and not a zombie: a child that exited while the event loop was blocked is not reaped yet. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Installs what is missing from Debian's packages; the reason it could not, or undefined. */
function installMissing(say: (line: string) => void): string | undefined {
  const want = [
    ['dockerd', 'docker.io'],
    ['docker', 'docker.io'],
    ['iptables', 'iptables'],
    ['debootstrap', 'debootstrap'],
  ].filter(([cmd]) => !has(cmd!) && !existsSync(`/usr/sbin/${cmd}`));
  const packages = [...new Set(want.map(([, pkg]) => pkg!))];
  if (!has('docker-compose') && !run('docker', ['compose', 'version']).ok) packages.push('docker-compose');
  if (packages.length === 0) return undefined;
  say(`installing ${packages.join(' ')} from Debian's packages`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const r = run('sh', ['-c', `apt-get update -qq && apt-get install -y -qq ${packages.join(' ')}`], { env });
  return r.ok ? undefined : `apt-get install ${packages.join(' ')} failed: ${tail(r.err, 2)}`;
}

function composeCommand(env: NodeJS.ProcessEnv): string[] | undefined {
  if (run('docker', ['compose', 'version'], { env }).ok) return ['docker', 'compose'];
  if (run('docker-compose', ['version'], { env }).ok) return ['docker-compose'];
  return undefined;
}

/** A dockerd on this helper's own socket, pid file and run directory; its log goes to a file in tmp. */
function startDockerd(env: NodeJS.ProcessEnv, say: (line: string) => void): number {
  const dockerd = existsSync('/usr/sbin/dockerd') ? '/usr/sbin/dockerd' : 'dockerd';
  const logPath = join(mkdtempSync(join(tmpdir(), 'posplus-dockerd-')), 'dockerd.log');
  const log = openSync(logPath, 'a');
  const args = ['--host', `unix://${SOCKET}`, '--pidfile', PIDFILE, '--exec-root', EXEC_ROOT, '--storage-driver', 'overlay2'];
  const child = spawn(dockerd, args, { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  child.unref();
  say(`started dockerd (pid ${child.pid}, log ${logPath})`);
  for (let i = 0; i < 120; i++) {
    if (run('docker', ['info'], { env, timeout: 5_000 }).ok) return child.pid!;
    if (child.exitCode !== null || !alive(child.pid!)) break;
    sleepSync(500);
  }
  if (alive(child.pid!)) process.kill(child.pid!, 'SIGTERM');
  throw new Error(`dockerd did not start; its log ends:\n${tail(readFileSync(logPath, 'utf8'))}`);
}

/** The base image, pulled or else made here; the reason it could not be had, or undefined. */
function ensureBaseImage(env: NodeJS.ProcessEnv, root: boolean, say: (line: string) => void): string | undefined {
  if (run('docker', ['image', 'inspect', BASE_IMAGE], { env }).ok) return undefined;
  if (run('docker', ['pull', BASE_IMAGE], { env, timeout: 120_000 }).ok) return undefined;
  if (!root) return `no ${BASE_IMAGE} image, it cannot be pulled, and making one needs root`;
  if (Number(process.versions.node.split('.')[0]) !== 24) return `making ${BASE_IMAGE} needs this test to run on Node 24 (it runs on ${process.version})`;
  say(`making a local ${BASE_IMAGE} (Debian minbase, this Node ${process.version}, npm): Docker Hub cannot be reached`);
  const tmp = mkdtempSync(join(tmpdir(), 'posplus-base-'));
  try {
    const rootfs = join(tmp, 'rootfs');
    const mirror = debianMirror();
    const boot = run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, ...(mirror ? [mirror] : [])], { timeout: 900_000 });
    if (!boot.ok) return `debootstrap failed: ${tail(boot.out + boot.err, 3)}`;
    const npmDir = dirname(dirname(realpathSync(run('sh', ['-c', 'command -v npm']).out.trim())));
    const script = [
      'set -e',
      'cp "$NODE_BIN" "$ROOTFS/usr/local/bin/node"',
      'mkdir -p "$ROOTFS/usr/local/lib/node_modules" "$ROOTFS/etc/ssl/certs"',
      'cp -a "$NPM_DIR" "$ROOTFS/usr/local/lib/node_modules/npm"',
      'ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"',
      'ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"',
      // Trust what this machine trusts: its registry access may rely on a local certificate authority.
      'cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/" 2>/dev/null || true',
      'tar -C "$ROOTFS" -c . | docker import -c "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" -c "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" - "$BASE"',
    ].join('\n');
    const made = run('sh', ['-c', script], { env: { ...env, NODE_BIN: process.execPath, ROOTFS: rootfs, NPM_DIR: npmDir, BASE: BASE_IMAGE } });
    return made.ok ? undefined : `making ${BASE_IMAGE} failed: ${tail(made.err, 3)}`;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The Debian mirror apt uses here (it may be the only one reachable), from a deb822 sources file. */
function debianMirror(): string | undefined {
  const r = run('sh', ['-c', "awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null"]);
  return r.out.trim() || undefined;
}
