/**
 * The project's docker-compose.yml run as users run it, under a project name of the test's own, through whichever
 * compose command the engine has (v2 `docker compose` or v1 `docker-compose`: both name and scale replicas the
 * same way for `ps`, `port --index` and `exec --index`).
 */
import { PACKAGE_ROOT } from '../../../src/node/config.js';
import { type DockerEngine, type Run, run } from './docker-engine.js';

export class ComposeProject {
  constructor(
    readonly engine: DockerEngine,
    readonly name: string,
  ) {}

  run(args: string[], timeoutMs = 120_000): Run {
    const [cmd, ...pre] = this.engine.compose;
    return run(cmd!, [...pre, '--project-name', this.name, ...args], { cwd: PACKAGE_ROOT, env: this.engine.env, timeout: timeoutMs });
  }

  /** The command's stdout; throws with the end of its output when it fails. */
  must(args: string[], timeoutMs?: number): string {
    const r = this.run(args, timeoutMs);
    if (!r.ok) throw new Error(`${this.engine.compose.join(' ')} ${args.join(' ')} failed:\n${(r.out + r.err).trim().split('\n').slice(-15).join('\n')}`);
    return r.out;
  }

  /** The ids of the service's containers (of every service without one), running or not. */
  containers(service?: string): string[] {
    return this.must(['ps', '--quiet', ...(service ? [service] : [])]).split('\n').filter((l) => l.trim() !== '');
  }

  /** `{{.State.Health.Status}}` of each container: starting, healthy or unhealthy. */
  health(ids: string[]): string[] {
    const r = this.engine.docker(['inspect', '--format', '{{.State.Health.Status}}', ...ids]);
    return r.ok ? r.out.trim().split('\n') : ids.map(() => 'gone');
  }

  /** Where replica `index` (1-based) publishes its RPC on the host, as a URL. */
  rpcUrl(index: number): string {
    return `http://${this.must(['port', '--index', String(index), 'node', '8545']).trim()}`;
  }

  /** The last lines of each replica's log, to read a failure. */
  logs(lines = 15): string {
    return this.run(['logs', '--no-color', '--tail', String(lines), 'node']).out;
  }
}
