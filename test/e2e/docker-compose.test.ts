/**
 * `docker compose up --scale node=9` as the README gives it, on a real Docker engine: the image built from the
 * Dockerfile, nine identical replicas that form one chain and turn healthy, a transfer sent from inside a replica
 * committed on all nine, a restart that keeps every block, and `down -v` that leaves nothing behind. Uses the
 * engine that answers `docker info`, else (as root) one that support/docker-engine.ts sets up and takes down again;
 * skipped with a message where neither can be had. The replicas' traffic stays on the compose network.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RpcClient } from '../../src/cli/rpc-client.js';
import { PACKAGE_ROOT } from '../../src/node/config.js';
import { ComposeProject } from './support/compose-project.js';
import { BASE_IMAGE, DockerEngine } from './support/docker-engine.js';
import { waitFor } from './support/local-cluster.js';

const N = 9;
const say = (line: string) => process.stderr.write(`      ${line}\n`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

interface Status {
  address: string;
  chainId: string;
  peers: number;
  genesis?: { hash: string; members: string[] };
}

describe('docker compose: nine replicas on a real Docker engine', function () {
  let engine: DockerEngine | undefined;
  let project: ComposeProject;
  let down = false;
  /** Each replica's RPC, by its compose index - 1; ports change when a replica restarts. */
  let rpcs: RpcClient[] = [];
  const steps: boolean[] = [];
  const needs = (ctx: Mocha.Context, step: number) => {
    if (!steps[step]) ctx.skip();
  };

  before(function () {
    this.timeout(1_200_000);
    const got = DockerEngine.acquire(say);
    if (typeof got === 'string') {
      say(`skipped: ${got}`);
      this.skip();
    }
    engine = got;
    project = new ComposeProject(engine, `posplus-test-${process.pid}`);
    say(`engine: ${engine.startedHere ? 'started by this test' : 'already running'}; compose: ${engine.compose.join(' ')}`);
  });

  after(function () {
    this.timeout(180_000);
    if (!engine) return;
    // Whatever the tests reached: the replicas, their volumes and network, and the images built for them go.
    project.run(['down', '--volumes', '--rmi', 'local', '--timeout', '5'], 120_000);
    // The build stage's image (the legacy builder keeps it, untagged): only ours, by the Dockerfile's label.
    engine.docker(['image', 'prune', '--force', '--filter', 'label=posplus.stage=build'], { timeout: 60_000 });
    engine.release();
  });

  it('builds the image from the Dockerfile', function () {
    this.timeout(900_000);
    assert.match(readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8'), new RegExp(`^FROM ${BASE_IMAGE.replace('.', '\\.')}( |$)`, 'm'));
    const t0 = Date.now();
    project.must(['build'], 900_000);
    say(`image built in ${seconds(t0)}`);
    steps[0] = true;
  });

  it('brings up nine replicas that all turn healthy', async function () {
    this.timeout(300_000);
    needs(this, 0);
    const t0 = Date.now();
    project.must(['up', '--detach', '--scale', `node=${N}`], 180_000);
    const ids = project.containers('node');
    assert.equal(ids.length, N, `${N} node containers expected, got ${ids.length}`);
    await waitFor('nine healthy replicas', async () => project.health(ids).every((s) => s === 'healthy'), 180_000, 2_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${project.health(ids).join(' ')}\n${project.logs()}`);
    });
    say(`nine replicas healthy ${seconds(t0)} after up`);
    steps[1] = true;
  });

  it('the image carries no development dependency and runs as its own user', function () {
    needs(this, 1);
    const image = engine!.docker(['inspect', '--format', '{{.Image}}', project.containers('node')[0]!]).out.trim();
    const listing = engine!.docker(['run', '--rm', '--entrypoint', 'sh', image, '-c', 'id -un; id -u; ls /app /app/node_modules']);
    assert.ok(listing.ok, listing.err);
    const [user, uid, ...names] = listing.out.trim().split('\n');
    assert.deepEqual([user, uid], ['posplus', '10001'], 'the README tells owners of a bind-mounted /data to give it to uid 10001');
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const dev of Object.keys(pkg.devDependencies).filter((d) => !d.startsWith('@'))) assert.ok(!names.includes(dev), `the image holds the dev dependency ${dev}`);
    assert.ok(!names.includes('test') && !names.includes('src'), 'the image holds sources or tests');
  });

  it('forms one chain: one genesis of all nine, every RPC published on the host loopback only', async function () {
    this.timeout(120_000);
    needs(this, 1);
    rpcs = Array.from({ length: N }, (_, i) => new RpcClient(project.rpcUrl(i + 1), 10_000));
    for (const r of rpcs) assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const statuses = await waitFor(
      'one genesis of nine members with eight peers each',
      async () => {
        const s = await Promise.all(rpcs.map((r) => r.call<Status>('node_status')));
        const one = new Set(s.map((x) => x.genesis?.hash)).size === 1;
        return one && s.every((x) => x.genesis?.members.length === N && x.peers === N - 1) ? s : undefined;
      },
      60_000,
      1_000,
    );
    const members = new Set(statuses[0]!.genesis!.members);
    assert.equal(new Set(statuses.map((s) => s.address)).size, N, 'nine distinct keys');
    for (const s of statuses) assert.ok(members.has(s.address), `${s.address} is not a genesis member`);
    assert.equal(new Set(statuses.map((s) => s.chainId)).size, 1);
    steps[2] = true;
  });

  it('a transfer sent from inside replica 3 (as the README shows) is committed on all nine', async function () {
    this.timeout(120_000);
    needs(this, 2);
    const to = (await rpcs[0]!.call<Status>('node_status')).address;
    const sent = project.must(['exec', '-T', '--index', '3', 'node', 'node', 'dist/src/cli/main.js', 'tx', '--to', to, '--amount', '5']);
    const id = /\b[0-9a-f]{64}\b/.exec(sent)?.[0];
    assert.ok(id, `the tx command printed no transaction id: ${sent}`);
    const heights = await waitFor(
      `${id} committed on all nine`,
      async () => {
        const got = await Promise.all(rpcs.map((r) => r.call<{ status: string; height?: number }>('tx_get', { id })));
        return got.every((g) => g.status === 'committed') ? got.map((g) => g.height!) : undefined;
      },
      60_000,
      500,
    );
    assert.equal(new Set(heights).size, 1, `committed at different heights: ${heights.join(' ')}`);
    const hashes = await Promise.all(rpcs.map((r) => r.call<{ hash: string }>('chain_block', { height: heights[0] }).then((b) => b.hash)));
    assert.equal(new Set(hashes).size, 1, `replicas hold different blocks at height ${heights[0]}`);
    steps[3] = true;
  });

  it('restart keeps every committed block on every replica', async function () {
    this.timeout(400_000);
    needs(this, 3);
    const heads = await Promise.all(rpcs.map((r) => r.call<{ height: number; hash: string }>('chain_head')));
    const t0 = Date.now();
    project.must(['restart'], 180_000);
    const ids = project.containers('node');
    // Docker maps the ports anew; the RPC answers before Docker's next 10 s health check would say so.
    rpcs = Array.from({ length: N }, (_, i) => new RpcClient(project.rpcUrl(i + 1), 10_000));
    await waitFor('nine replicas answering with their chain and eight peers', async () => {
      const s = await Promise.all(rpcs.map((r) => r.call<Status>('node_status')));
      return s.every((x) => x.genesis !== undefined && x.peers === N - 1);
    }, 120_000, 1_000);
    say(`nine replicas back with their peers ${seconds(t0)} after restart`);
    for (const [i, head] of heads.entries()) {
      const block = await rpcs[i]!.call<{ hash: string }>('chain_block', { height: head.height });
      assert.equal(block.hash, head.hash, `replica ${i + 1} lost its block ${head.height}`);
      assert.ok((await rpcs[i]!.call<{ height: number }>('chain_head')).height >= head.height);
    }
    const stats = engine!.docker(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', ...ids]);
    say(`memory after the run:\n${stats.out.trim().replace(/^/gm, '        ')}`);
  });

  it('down -v removes every container, volume and network the project made', function () {
    this.timeout(180_000);
    needs(this, 1);
    const ids = project.containers();
    const inspect = (fmt: string) => engine!.docker(['inspect', '--format', fmt, ...ids]).out.split(/\s+/).filter((x) => x !== '');
    const volumes = inspect('{{range .Mounts}}{{if .Name}}{{.Name}} {{end}}{{end}}');
    const networks = inspect('{{range .NetworkSettings.Networks}}{{.NetworkID}} {{end}}');
    assert.ok(volumes.length >= N + 1, `a data volume per replica and the secret volume expected, got ${volumes.length}`);
    project.must(['down', '--volumes', '--timeout', '10'], 180_000);
    down = true;
    for (const [kind, names] of [['container', ids], ['volume', volumes], ['network', [...new Set(networks)]]] as const) {
      for (const name of names) assert.ok(!engine!.docker([kind, 'inspect', name]).ok, `${kind} ${name} is still there after down -v`);
    }
  });

  it("stopping an engine it started leaves the host's firewall, forwarding and links as they were", function () {
    this.timeout(120_000);
    if (!engine?.startedHere || !down) this.skip();
    project.run(['down', '--rmi', 'local'], 120_000);
    const left = engine.release();
    assert.deepEqual(left, [], left.join('\n'));
  });
});
