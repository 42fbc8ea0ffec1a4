import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainStore } from '../../../src/node/store.js';
import { type CliResult, UNREACHABLE, oneLine, runAll, runCli } from './run-cli.js';

const ADDR = '0x' + 'ab'.repeat(20);
const TXID = 'cd'.repeat(32);
const KEY_INFO = /^address: 0x[0-9a-f]{40}\npeer id: 12D3KooW[1-9A-HJ-NP-Za-km-z]{44}\n$/;

function assertUsage(r: CliResult, ...fragments: string[]): void {
  const what = `stderr ${JSON.stringify(r.stderr)}`;
  assert.equal(r.code, 2, `exit code 2 expected; ${what}`);
  const line = oneLine(r.stderr);
  assert.ok(line !== undefined, `one line on stderr; ${what}`);
  for (const f of fragments) assert.ok(line.includes(f), `${JSON.stringify(line)} should name ${JSON.stringify(f)}`);
  assert.equal(r.stdout, '');
}

describe('posplus CLI (child process)', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'posplus-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('keygen and address', () => {
    it('keygen writes a 0600 key file and prints address and peer id; address reads it back', async () => {
      const file = join(dir, 'nested', 'a.key');
      const made = await runCli(['keygen', '--out', file]);
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, KEY_INFO);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const shown = await runCli(['address', '--key', file]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(shown.stdout, made.stdout);
    });

    it('keygen refuses to overwrite an existing file (exit 2, names it) and leaves it untouched', async () => {
      const file = join(dir, 'b.key');
      writeFileSync(file, 'precious');
      const r = await runCli(['keygen', '--out', file]);
      assertUsage(r, file, 'exists');
      assert.equal(readFileSync(file, 'utf8'), 'precious');
    });

    it('keygen defaults to ./posplus.key; a second run refuses', async () => {
      const cwd = join(dir, 'default-out');
      mkdirSync(cwd);
      const first = await runCli(['keygen'], { cwd });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, KEY_INFO);
      assert.equal(statSync(join(cwd, 'posplus.key')).mode & 0o777, 0o600);
      assertUsage(await runCli(['keygen'], { cwd }), 'posplus.key');
    });

    it('address defaults to ./data/node.key and takes --data-dir', async () => {
      const cwd = join(dir, 'node-home');
      mkdirSync(join(cwd, 'data'), { recursive: true });
      const made = await runCli(['keygen', '--out', join(cwd, 'data', 'node.key')]);
      assert.equal(made.code, 0, made.stderr);
      const [byDefault, byDir] = await runAll([['address'], ['address', '--data-dir', join(cwd, 'data')]], { cwd });
      assert.equal(byDefault!.stdout, made.stdout, byDefault!.stderr);
      assert.equal(byDir!.stdout, made.stdout, byDir!.stderr);
    });

    it('address without a key file, with a missing or broken one, or with both options is a usage error', async () => {
      const cwd = join(dir, 'empty');
      mkdirSync(cwd);
      const broken = join(dir, 'broken.key');
      writeFileSync(broken, 'not a key');
      const [none, missing, bad, both] = await runAll(
        [['address'], ['address', '--key', join(dir, 'nope.key')], ['address', '--key', broken], ['address', '--key', broken, '--data-dir', dir]],
        { cwd },
      );
      assertUsage(none!, '--key');
      assertUsage(missing!, 'nope.key');
      assertUsage(bad!, 'broken.key');
      assertUsage(both!, '--data-dir', '--key');
    });
  });

  describe('usage errors: exit 2 with one line naming the option, before any network call', () => {
    // Every case also points at an unreachable RPC: reaching the network would be exit 1, not 2.
    const cases: [string[], ...string[]][] = [
      [['tx', '--to', '0x12', '--amount', '1'], '--to'],
      [['tx', '--to', ADDR, '--amount', '1.5'], '--amount'],
      [['tx', '--to', ADDR, '--amount', '0'], '--amount'],
      [['tx', '--to', ADDR, '--amount', 'ten'], '--amount'],
      [['tx', '--to', ADDR, '--amount', '99999999999999999999'], '--amount'],
      [['tx', '--to', ADDR], '--amount'],
      [['tx', '--amount', '1'], '--to'],
      [['tx', '--to', ADDR, '--amount', '1', '--bpm', '401'], '--bpm'],
      [['tx', '--to', ADDR, '--amount', '1', '--nonce', '-1'], '--nonce'],
      [['tx', '--to', ADDR, '--amount', '1', '--nonce', '2'], '--nonce', '--key'],
      [['tx', '--to', ADDR, '--address', ADDR, '--amount', '1'], '--address', '--to'],
      [['tx', '--to', ADDR, '--amount', '1', '--key', '/nonexistent/posplus.key'], '--key', '/nonexistent/posplus.key'],
      [['transaction', '--address', 'node_2', '--amount', '1'], '--address'],
      [['register'], '--stake'],
      [['register', '--stake', '0'], '--stake'],
      [['register', '--stake', '5'], '--key', '--data-dir'],
      [['register', '--stake', '5', '--capacity', 'lots', '--key', 'k'], '--capacity'],
      [['register', '--stake', '5', '--key', 'k', '--data-dir', 'd'], '--data-dir', '--key'],
      [['query', '--height', '1', '--tx', TXID], '--tx', '--height'],
      [['query', '--tx', TXID, '--account', ADDR], '--account', '--tx'],
      [['query', '--tx', 'abc'], '--tx'],
      [['query', '--account', '0xzz'], '--account'],
      [['query', '--height', 'top'], '--height'],
      [['status', '--bogus'], '--bogus'],
      [['double-spend'], '--key', '--data-dir'],
      [['double-spend', '--key', 'k', '--rpc2', 'not a url'], '--rpc2'],
    ];
    const withRpc = (args: string[]): string[] => [...args, '--rpc', UNREACHABLE];
    let results: CliResult[];
    let cwd: string;
    before(async () => {
      cwd = join(dir, 'usage');
      mkdirSync(cwd);
      results = await runAll(cases.map(([args]) => withRpc(args)), { cwd });
    });
    cases.forEach(([args, ...fragments], i) => {
      it(`${args.join(' ')}`, () => assertUsage(results[i]!, ...fragments));
    });

    it('--rpc and --port together, a bad port, a non-http URL', async () => {
      const [both, badPort, ftp] = await runAll(
        [['status', '--rpc', UNREACHABLE, '--port', '8545'], ['status', '--port', '70000'], ['query', '--rpc', 'ftp://127.0.0.1:1']],
        { cwd },
      );
      assertUsage(both!, '--port', '--rpc');
      assertUsage(badPort!, '--port');
      assertUsage(ftp!, '--rpc');
    });
  });

  describe('reset: the chain goes, the key stays', () => {
    /** A data directory as a node leaves it: its key and a chain store. */
    async function dataDir(name: string): Promise<string> {
      const d = join(dir, name);
      mkdirSync(d);
      assert.equal((await runCli(['keygen', '--out', join(d, 'node.key')])).code, 0);
      await (await ChainStore.open(join(d, 'chain'))).close();
      return d;
    }

    it('without --yes and without a terminal it deletes nothing (exit 2, names --yes)', async () => {
      const d = await dataDir('reset-ask');
      assertUsage(await runCli(['reset', '--data-dir', d]), '--yes');
      assert.ok(statSync(join(d, 'chain')).isDirectory());
    });

    it('with --yes it deletes the chain and keeps node.key as it was', async () => {
      const d = await dataDir('reset-yes');
      const key = readFileSync(join(d, 'node.key'));
      const r = await runCli(['reset', '--data-dir', d, '--yes']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /deleted the chain in .* \(it was at height 0\); kept .*node\.key/);
      assert.throws(() => statSync(join(d, 'chain')), /ENOENT/);
      assert.deepEqual(readFileSync(join(d, 'node.key')), key);
    });

    it('refuses the chain of a running node (its store is locked): exit 1, nothing deleted', async () => {
      const d = await dataDir('reset-running');
      const held = await ChainStore.open(join(d, 'chain'));
      try {
        const r = await runCli(['reset', '--data-dir', d, '--yes']);
        assert.equal(r.code, 1, r.stderr);
        assert.match(oneLine(r.stderr) ?? '', /in use by a running node: stop it first/);
      } finally {
        await held.close();
      }
      assert.ok(statSync(join(d, 'chain')).isDirectory());
    });

    it('a directory with no chain is a usage error', async () => {
      const d = join(dir, 'reset-empty');
      mkdirSync(d);
      assertUsage(await runCli(['reset', '--data-dir', d, '--yes']), 'no chain');
    });
  });

  describe('--help of each verb', () => {
    const verbs = ['keygen', 'address', 'register', 'tx', 'transaction', 'query', 'status', 'double-spend', 'reset'];
    let results: CliResult[];
    before(async () => {
      results = await runAll(verbs.map((v) => [v, '--help']));
    });
    verbs.forEach((verb, i) => {
      it(`${verb} --help: exit 0, usage, and help text on every option`, () => {
        const r = results[i]!;
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^Usage: posplus ${verb === 'transaction' ? 'tx' : verb}`));
        const optionLines = r.stdout.split('\n').filter((l) => /^ {2}(-\w, )?--/.test(l));
        assert.ok(optionLines.length >= 2, r.stdout);
        for (const line of optionLines) assert.match(line, /^ {2}(-\w, )?--[\w-]+( <[^>]+>)? {2,}\S/, `option without help text: ${line}`);
      });
    });

    it('the program help lists every client verb', async () => {
      const r = await runCli(['--help']);
      assert.equal(r.code, 0, r.stderr);
      for (const v of ['keygen', 'address', 'register', 'tx|transaction', 'query', 'status', 'double-spend']) assert.ok(r.stdout.includes(`  ${v} `), v);
    });
  });

  describe('a node that says what it is', () => {
    it('--version prints the package version', async () => {
      const r = await runCli(['--version']);
      assert.equal(r.code, 0, r.stderr);
      const { version } = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
      assert.equal(r.stdout, `${version}\n`);
    });

    it('node --help gives every flag its default and its environment name', async () => {
      const r = await runCli(['node', '--help']);
      assert.equal(r.code, 0, r.stderr);
      const help = r.stdout.replace(/\s+/g, ' ');
      assert.ok(help.includes('(default: 8545; env RPC_PORT)'), help);
      assert.ok(help.includes('(default: unset; env BOOTSTRAP)'), help);
    });

    it('config prints every setting with the source that won, and never the secret', async () => {
      const file = join(dir, 'settings.env');
      writeFileSync(file, 'CHAIN_ID=from-file\nP2P_PORT=9100\n');
      const r = await runCli(['config', '--config', file, '--rpc-port', '9999'], { env: { P2P_PORT: '9200', GENESIS_SECRET: 'ab'.repeat(32) } });
      assert.equal(r.code, 0, r.stderr);
      const lines = new Map(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l] as const));
      assert.match(lines.get('RPC_PORT')!, /^RPC_PORT=9999 +# flag --rpc-port$/);
      assert.match(lines.get('P2P_PORT')!, /^P2P_PORT=9200 +# environment$/);
      assert.match(lines.get('CHAIN_ID')!, new RegExp(`^CHAIN_ID=from-file +# ${file}$`));
      assert.match(lines.get('DATA_DIR')!, /# default(\.env)?$/);
      assert.match(lines.get('GENESIS_SECRET')!, /^GENESIS_SECRET=\(set, not shown\) +# environment$/);
      assert.ok(!r.stdout.includes('ab'.repeat(32)), 'the secret is not printed');
    });

    it('config fails on a bad value as the node would: exit 2, one line naming the setting and its source', async () => {
      assertUsage(await runCli(['config'], { env: { RPC_PORT: 'x' } }), 'RPC_PORT', 'environment');
    });
  });

  describe('node with a bad --behavior list: exit 2 with one line, before anything starts', () => {
    const cases: [string, ...string[]][] = [
      ['bogus', 'BEHAVIOR', '--behavior', 'unknown behaviour "bogus"', 'known: delay[:ms], drop, equivocate'],
      ['equivocate,dormant', 'BEHAVIOR', 'dormant needs a block height'],
      ['drop,drop', 'BEHAVIOR', 'drop listed twice'],
    ];
    for (const [list, ...fragments] of cases) {
      it(`--behavior ${list}`, async () => {
        const dataDir = join(dir, `bad-behavior-${cases.findIndex(([l]) => l === list)}`);
        assertUsage(await runCli(['node', '--behavior', list, '--data-dir', dataDir]), ...fragments);
        assert.throws(() => statSync(dataDir), /ENOENT/, 'the node did not start');
      });
    }
  });

  describe('unreachable RPC: exit 1 with one line naming the URL', () => {
    // KEY stands for a key file made in before().
    const cases: string[][] = [
      ['tx', '--to', ADDR, '--amount', '1', '--rpc', UNREACHABLE],
      ['tx', '--to', ADDR, '--amount', '1', '--key', 'KEY', '--port', '1'],
      ['register', '--stake', '1', '--key', 'KEY', '--rpc', UNREACHABLE],
      ['query', '--rpc', UNREACHABLE],
      ['query', '--height', '3', '--port', '1'],
      ['status', '--rpc', UNREACHABLE],
      ['status', '--json', '--port', '1'],
      ['double-spend', '--key', 'KEY', '--rpc', UNREACHABLE],
    ];
    let results: CliResult[];
    before(async () => {
      const key = join(dir, 'unreachable.key');
      assert.equal((await runCli(['keygen', '--out', key])).code, 0);
      results = await runAll(cases.map((args) => args.map((a) => (a === 'KEY' ? key : a))));
    });
    cases.forEach((args, i) => {
      it(args.join(' '), () => {
        const r = results[i]!;
        assert.equal(r.code, 1, r.stderr);
        const line = oneLine(r.stderr);
        assert.ok(line !== undefined, `one line on stderr: ${JSON.stringify(r.stderr)}`);
        assert.match(line, /^posplus: cannot reach the node's RPC at http:\/\/127\.0\.0\.1:1\b/);
        assert.equal(r.stdout, '');
      });
    });
  });
});
