import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BehaviorError, formatBehaviors, parseBehaviors } from '../../../src/core/behavior.js';
import {
  ConfigError,
  FLAG_TO_SETTING,
  loadConfig,
  PACKAGE_ROOT,
  parseBootstrap,
  SETTINGS,
  type LoadConfigOptions,
} from '../../../src/node/config.js';
import { EnvParseError, parseEnv, parseEnvEntries } from '../../../src/node/env-file.js';
import { GenesisSecret } from '../../../src/core/genesis-secret.js';

const SHIPPED_DEFAULT_ENV = new URL('../../../../config/default.env', import.meta.url);
const SECRET_HEX = '00112233445566778899aabbccddeeff';
const PEER = '12D3KooWGzh8d3hC2gJ8bTqJwXzYfCv3Lh7Dq1r5o6sXnY9kPqRz';

let dir: string;
let n = 0;
/** Write a temp .env file and return its path. */
function envFile(text: string): string {
  const p = join(dir, `f${n++}.env`);
  writeFileSync(p, text);
  return p;
}
function load(opts: Partial<LoadConfigOptions> = {}) {
  return loadConfig({ flags: {}, env: {}, defaultEnvPath: null, ...opts });
}
/** Assert that fn throws a one-line ConfigError for `setting` from `source` containing each fragment. */
function throwsConfig(fn: () => unknown, setting: string | undefined, source: string, ...fragments: string[]) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.setting, setting);
    assert.ok(!e.message.includes('\n'), `message is one line: ${e.message}`);
    if (setting !== undefined) assert.ok(e.message.startsWith(`${setting} (${source}): `), e.message);
    else assert.ok(e.message.includes(source), e.message);
    for (const f of fragments) assert.ok(e.message.includes(f), `${JSON.stringify(e.message)} should include ${JSON.stringify(f)}`);
    return true;
  });
}

describe('node config', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'posplus-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('defaults', () => {
    it('built-in defaults', () => {
      const { config, warnings, sources } = load();
      assert.deepEqual(config, {
        chainId: 'posplus-dev',
        dataDir: './data',
        genesisPath: resolve(PACKAGE_ROOT, 'config/genesis.json'),
        logLevel: 'info',
        p2pHost: '0.0.0.0',
        p2pPort: 9000,
        bootstrap: [],
        mdns: true,
        rpcHost: '127.0.0.1',
        rpcPort: 8545,
        genesisNodes: 1,
        genesisQuietMs: 20000,
        healthStallMs: 60000,
        retainBlocks: 0,
        stake: 0,
        mobilitySpeed: 0,
        engine: 'ncca',
        behaviors: [],
      });
      assert.equal('position' in config, false);
      assert.deepEqual(warnings, []);
      assert.equal(sources.RPC_PORT, 'default');
    });

    it('the shipped config/default.env lists every setting with a comment and its default', () => {
      const text = readFileSync(SHIPPED_DEFAULT_ENV, 'utf8');
      const lines = text.split('\n');
      const parsed = parseEnv(text);
      for (const s of SETTINGS) {
        const i = lines.findIndex((l) => l.startsWith(`${s.name}=`));
        assert.ok(i > 0, `${s.name} missing from default.env`);
        assert.ok(lines[i - 1]!.startsWith('#'), `${s.name} has no comment line above it`);
        assert.equal(parsed[s.name], s.default, `${s.name} default differs`);
      }
      assert.deepEqual(Object.keys(parsed).sort(), SETTINGS.map((s) => s.name).sort());
    });

    it('loading the shipped default.env gives the built-in defaults', () => {
      const viaFile = loadConfig({ flags: {}, env: {} });
      assert.deepEqual(viaFile.config, load().config);
      assert.equal(viaFile.sources.CHAIN_ID, 'default.env');
      assert.deepEqual(viaFile.warnings, []);
    });

    it('a missing default.env is fine', () => {
      const { config } = load({ defaultEnvPath: join(dir, 'nope.env') });
      assert.equal(config.rpcPort, 8545);
    });

    it('SETTINGS and FLAG_TO_SETTING describe the flags', () => {
      assert.equal(FLAG_TO_SETTING.rpcPort, 'RPC_PORT');
      assert.equal(FLAG_TO_SETTING.p2pPort, 'P2P_PORT');
      assert.equal(FLAG_TO_SETTING.dataDir, 'DATA_DIR');
      assert.equal(FLAG_TO_SETTING.genesisQuietMs, 'GENESIS_QUIET_MS');
      assert.equal(FLAG_TO_SETTING.behavior, 'BEHAVIOR');
      assert.equal(Object.values(FLAG_TO_SETTING).includes('CHAIN_ID'), false);
      const rpc = SETTINGS.find((s) => s.name === 'RPC_PORT')!;
      assert.deepEqual({ flag: rpc.flag, arg: rpc.arg, option: rpc.option, default: rpc.default }, {
        flag: '--rpc-port',
        arg: '<port>',
        option: 'rpcPort',
        default: '8545',
      });
      for (const s of SETTINGS) assert.ok(s.description.length > 0);
    });
  });

  describe('precedence', () => {
    it('defaults < default.env < --config < environment < flags', () => {
      const defaultEnvPath = envFile('RPC_PORT=1001\nSTAKE=1\n');
      const configFile = envFile('RPC_PORT=1002\n');
      const env = { RPC_PORT: '1003' };
      const flags = { RPC_PORT: '1004' };
      const port = (o: Partial<LoadConfigOptions>) => {
        const r = load(o);
        return [r.config.rpcPort, r.sources.RPC_PORT];
      };
      assert.deepEqual(port({ defaultEnvPath, configFile, env, flags }), [1004, 'flag --rpc-port']);
      assert.deepEqual(port({ defaultEnvPath, configFile, env }), [1003, 'environment']);
      assert.deepEqual(port({ defaultEnvPath, configFile }), [1002, configFile]);
      assert.deepEqual(port({ defaultEnvPath }), [1001, 'default.env']);
      assert.deepEqual(port({}), [8545, 'default']);
      // settings are independent: a lower source still supplies what higher ones leave unset
      assert.equal(load({ defaultEnvPath, configFile, env, flags }).config.stake, 1);
    });

    it('flags may be keyed by commander option name; undefined flags are not set', () => {
      const { config } = load({
        env: { RPC_PORT: '1003', P2P_PORT: '7000' },
        flags: { rpcPort: '9545', p2pPort: undefined, mdns: false, config: 'x.env', dataDir: '/tmp/d' },
      });
      assert.equal(config.rpcPort, 9545);
      assert.equal(config.p2pPort, 7000);
      assert.equal(config.mdns, false);
      assert.equal(config.dataDir, '/tmp/d');
    });

    it('GENESIS resolves against the package root only when it comes from the package defaults', () => {
      assert.equal(load({ defaultEnvPath: envFile('GENESIS=other/g.json') }).config.genesisPath, resolve(PACKAGE_ROOT, 'other/g.json'));
      assert.equal(load({ env: { GENESIS: 'my/genesis.json' } }).config.genesisPath, resolve('my/genesis.json'));
      assert.equal(load({ flags: { GENESIS: '/abs/g.json' } }).config.genesisPath, '/abs/g.json');
    });
  });

  describe('seed aliases', () => {
    it('SERVER_HOST → P2P_HOST, SERVER_PORT → P2P_PORT, ADDR → P2P_PORT', () => {
      assert.equal(load({ env: { SERVER_HOST: '10.0.0.5' } }).config.p2pHost, '10.0.0.5');
      assert.equal(load({ env: { SERVER_PORT: '9100' } }).config.p2pPort, 9100);
      assert.equal(load({ env: { ADDR: '9200' } }).config.p2pPort, 9200);
      assert.equal(load({ configFile: envFile('SERVER_PORT=9300\nSERVER_HOST=localhost\n') }).config.p2pPort, 9300);
    });

    it('the canonical name wins over its aliases in the same source', () => {
      const { config } = load({ env: { P2P_PORT: '9001', SERVER_PORT: '9002', ADDR: '9003', P2P_HOST: '1.1.1.1', SERVER_HOST: '2.2.2.2' } });
      assert.equal(config.p2pPort, 9001);
      assert.equal(config.p2pHost, '1.1.1.1');
      assert.equal(load({ env: { SERVER_PORT: '9002', ADDR: '9003' } }).config.p2pPort, 9002);
    });

    it('an alias in a later source beats the canonical name in an earlier one', () => {
      const r = load({ configFile: envFile('P2P_PORT=9001\n'), env: { SERVER_PORT: '9002' } });
      assert.equal(r.config.p2pPort, 9002);
      assert.equal(r.sources.P2P_PORT, 'environment, via SERVER_PORT');
      assert.equal(load({ env: { ADDR: '9002' }, flags: { P2P_PORT: '9005' } }).config.p2pPort, 9005);
    });

    it('DEBUG=True → LOG_LEVEL=debug (true/1/yes, any case); other DEBUG values are ignored', () => {
      for (const v of ['True', 'true', 'TRUE', '1', 'yes', 'Yes']) assert.equal(load({ env: { DEBUG: v } }).config.logLevel, 'debug', v);
      for (const v of ['False', '0', 'no', '', 'libp2p:*']) assert.equal(load({ env: { DEBUG: v } }).config.logLevel, 'info', v);
      assert.equal(load({ env: { DEBUG: 'True', LOG_LEVEL: 'warn' } }).config.logLevel, 'warn');
      assert.equal(load({ configFile: envFile('DEBUG=True\n') }).config.logLevel, 'debug');
      assert.equal(load({ env: { DEBUG: 'True' }, flags: { LOG_LEVEL: 'error' } }).config.logLevel, 'error');
    });

    it('KNOWN_NODES is appended to BOOTSTRAP', () => {
      const both = load({ env: { BOOTSTRAP: `/ip4/1.2.3.4/tcp/9000/p2p/${PEER}`, KNOWN_NODES: 'a.example:9001,10.0.0.2:9002' } });
      assert.deepEqual(both.config.bootstrap, [
        { kind: 'multiaddr', addr: `/ip4/1.2.3.4/tcp/9000/p2p/${PEER}` },
        { kind: 'hostport', host: 'a.example', port: 9001 },
        { kind: 'hostport', host: '10.0.0.2', port: 9002 },
      ]);
      assert.deepEqual(load({ env: { KNOWN_NODES: 'localhost:9001' } }).config.bootstrap, [
        { kind: 'hostport', host: 'localhost', port: 9001 },
      ]);
      // duplicates collapse
      assert.equal(load({ env: { BOOTSTRAP: 'localhost:9001', KNOWN_NODES: 'localhost:9001' } }).config.bootstrap.length, 1);
      // a bad KNOWN_NODES entry is reported against BOOTSTRAP
      throwsConfig(() => load({ env: { BOOTSTRAP: 'h:1', KNOWN_NODES: 'nope' } }), 'BOOTSTRAP', 'environment, BOOTSTRAP + KNOWN_NODES', '"nope"');
    });
  });

  describe('bootstrap parsing', () => {
    it('parses multiaddrs and host:port, trimming and skipping empty entries', () => {
      assert.deepEqual(
        parseBootstrap(` /ip4/1.2.3.4/tcp/9000/p2p/${PEER}/ , Node-1.Example:9000,,[::1]:9001, /dns4/boot.example/tcp/4001 ,/dnsaddr/boot.example`),
        [
          { kind: 'multiaddr', addr: `/ip4/1.2.3.4/tcp/9000/p2p/${PEER}` },
          { kind: 'hostport', host: 'node-1.example', port: 9000 },
          { kind: 'hostport', host: '::1', port: 9001 },
          { kind: 'multiaddr', addr: '/dns4/boot.example/tcp/4001' },
          { kind: 'multiaddr', addr: '/dnsaddr/boot.example' },
        ],
      );
      assert.deepEqual(parseBootstrap('/ip6/::1/tcp/9000/ws'), [{ kind: 'multiaddr', addr: '/ip6/::1/tcp/9000/ws' }]);
      assert.deepEqual(parseBootstrap(''), []);
    });

    it('rejects anything else, naming the bad entry', () => {
      for (const bad of ['foo', 'host:0', 'host:70000', 'a:b:c', '::1:9000', 'host name:9000', '/ip4/999.1.1.1/tcp/1', '/ip4/1.2.3.4/tcp', '/foo/bar', `/ip4/1.2.3.4/tcp/1/p2p/xx`, '/tcp/9000']) {
        throwsConfig(() => load({ flags: { bootstrap: `127.0.0.1:9000,${bad}` } }), 'BOOTSTRAP', 'flag --bootstrap', `entry ${JSON.stringify(bad)}`);
      }
    });
  });

  describe('validation errors name the setting and the source', () => {
    const cases: [setting: string, value: string, fragment: string][] = [
      ['CHAIN_ID', 'Posplus_Dev', '"Posplus_Dev" is not 1-64 characters'],
      ['CHAIN_ID', 'x'.repeat(65), 'is not 1-64 characters'],
      ['CHAIN_ID', '', '"" is not'],
      ['DATA_DIR', '', 'value is empty'],
      ['GENESIS', '', 'value is empty'],
      ['LOG_LEVEL', 'verbose', '"verbose" is not one of trace|debug|info|warn|error|silent'],
      ['P2P_HOST', 'bad host', 'is not a host name or IP address'],
      ['P2P_PORT', '65536', '"65536" is not a port number (0-65535)'],
      ['P2P_PORT', '-1', 'is not a port number'],
      ['P2P_PORT', '90.5', 'is not a port number'],
      ['BOOTSTRAP', 'nope', 'entry "nope"'],
      ['MDNS', 'maybe', '"maybe" is not a boolean (true/false/1/0/yes/no)'],
      ['RPC_HOST', '', 'is not a host name or IP address'],
      ['RPC_PORT', 'abc', '"abc" is not a port number (0-65535)'],
      ['GENESIS_NODES', '0', '"0" is not an integer >= 1'],
      ['GENESIS_NODES', '2.5', 'is not an integer >= 1'],
      ['GENESIS_QUIET_MS', '999', '"999" is not an integer number of milliseconds >= 1000'],
      ['POSITION', '10', '"10" is not a position'],
      ['POSITION', '1,2,3', 'is not a position'],
      ['POSITION', '-1,5', '"-1,5" is not two non-negative numbers'],
      ['POSITION', 'a,b', 'is not two non-negative numbers'],
      ['STAKE', '-5', '"-5" is not a non-negative integer'],
      ['STAKE', '1e3', 'is not a non-negative integer'],
      ['ENGINE', 'pbft', '"pbft" is not one of ncca|pos|rpca|cdbft|dpos'],
      ['BEHAVIOR', 'lie', 'unknown behaviour "lie"'],
      ['RPC_PORT', '9000', '9000 is also the P2P_PORT (default)'],
    ];
    for (const [setting, value, fragment] of cases) {
      it(`${setting}=${JSON.stringify(value.slice(0, 20))}`, () => {
        throwsConfig(() => load({ env: { [setting]: value } }), setting, 'environment', fragment);
      });
    }

    it('the example message exactly', () => {
      assert.throws(() => load({ env: { RPC_PORT: 'abc' } }), {
        name: 'ConfigError',
        message: 'RPC_PORT (environment): "abc" is not a port number (0-65535)',
      });
    });

    it('names each kind of source', () => {
      throwsConfig(() => load({ defaultEnvPath: envFile('RPC_PORT=x\n') }), 'RPC_PORT', 'default.env', '"x"');
      const file = envFile('RPC_PORT=x\n');
      throwsConfig(() => load({ configFile: file }), 'RPC_PORT', file, '"x"');
      throwsConfig(() => load({ env: { RPC_PORT: 'x' } }), 'RPC_PORT', 'environment', '"x"');
      throwsConfig(() => load({ flags: { rpcPort: 'x' } }), 'RPC_PORT', 'flag --rpc-port', '"x"');
      throwsConfig(() => load({ flags: { CHAIN_ID: 'X' } }), 'CHAIN_ID', 'flag', '"X"');
      throwsConfig(() => load({ env: { ADDR: 'x' } }), 'P2P_PORT', 'environment, via ADDR', '"x"');
    });

    describe('the ceremony secret', () => {
      it('GENESIS_NODES > 1 without a secret stops the node and says how to make one', () => {
        throwsConfig(() => load({ env: { GENESIS_NODES: '3' } }), 'GENESIS_SECRET', 'default', 'required when GENESIS_NODES is 3', 'randomBytes(32)');
        assert.equal(load({ env: { GENESIS_NODES: '1' } }).config.genesisSecret, undefined);
      });

      it('a secret under 128 bits or not hex is refused without echoing it', () => {
        throwsConfig(() => load({ env: { GENESIS_SECRET: 'abcd'.repeat(7) } }), 'GENESIS_SECRET', 'environment', 'has 112 bits, fewer than 128');
        const wrong = 'correct horse battery staple!!!!';
        assert.throws(() => load({ env: { GENESIS_SECRET: wrong } }), (e: Error) => /not hex/.test(e.message) && !e.message.includes(wrong));
      });

      it('GENESIS_SECRET_FILE is read (and wins); an unreadable file names itself', () => {
        const file = envFile(`${SECRET_HEX}\n`);
        const viaFile = load({ env: { GENESIS_NODES: '2', GENESIS_SECRET: 'zz', GENESIS_SECRET_FILE: file } }).config.genesisSecret!;
        const viaEnv = GenesisSecret.parse(SECRET_HEX);
        assert.deepEqual(viaFile.proofFor('c', 'candidacy', new Uint8Array([1])), viaEnv.proofFor('c', 'candidacy', new Uint8Array([1])));
        throwsConfig(() => load({ flags: { GENESIS_SECRET_FILE: join(dir, 'missing') } }), 'GENESIS_SECRET_FILE', 'flag --genesis-secret-file', 'ENOENT');
      });

      it('the parsed config never shows the secret', () => {
        const { config } = load({ env: { GENESIS_SECRET: SECRET_HEX } });
        assert.equal(JSON.stringify(config.genesisSecret), '{}');
        assert.deepEqual(Object.values(config.genesisSecret!), []);
      });
    });

    it('only the winning value is validated', () => {
      assert.equal(load({ env: { RPC_PORT: 'x' }, flags: { RPC_PORT: '1' } }).config.rpcPort, 1);
    });

    it('accepts the edges of each range', () => {
      const { config } = load({
        env: { P2P_PORT: '0', RPC_PORT: '65535', GENESIS_NODES: '7', GENESIS_SECRET: SECRET_HEX, GENESIS_QUIET_MS: '1000', STAKE: '123', ENGINE: 'DPoS', LOG_LEVEL: 'Silent' },
        flags: { POSITION: '9000, 0.5', CHAIN_ID: 'a-1' },
      });
      assert.equal(config.p2pPort, 0);
      assert.equal(config.rpcPort, 65535);
      assert.equal(config.genesisNodes, 7);
      assert.equal(config.genesisQuietMs, 1000);
      assert.equal(config.stake, 123);
      assert.equal(config.engine, 'dpos');
      assert.equal(config.logLevel, 'silent');
      assert.deepEqual(config.position, { x: 9000, y: 0.5 });
      assert.equal(config.chainId, 'a-1');
      assert.equal(load({ env: { P2P_PORT: '0', RPC_PORT: '0' } }).config.rpcPort, 0);
    });

    it('booleans accept true/false/1/0/yes/no in any case', () => {
      for (const [v, b] of [['true', true], ['FALSE', false], ['1', true], ['0', false], ['Yes', true], ['no', false]] as const) {
        assert.equal(load({ env: { MDNS: v } }).config.mdns, b, v);
      }
      assert.equal(load({ env: { MDNS: 'false' }, flags: { mdns: true } }).config.mdns, true);
    });
  });

  describe('behaviours', () => {
    it('parses a list into typed behaviours', () => {
      assert.deepEqual(parseBehaviors('delay:200,drop,offline:30/10,dormant:50'), [
        { kind: 'delay', ms: 200 },
        { kind: 'drop' },
        { kind: 'offline', onSec: 30, offSec: 10 },
        { kind: 'dormant', height: 50 },
      ]);
      assert.deepEqual(parseBehaviors(' Equivocate , falsevote,invalidblock,doublespend,delay,offline '), [
        { kind: 'equivocate' },
        { kind: 'falsevote' },
        { kind: 'invalidblock' },
        { kind: 'doublespend' },
        { kind: 'delay', ms: 500 },
        { kind: 'offline', onSec: 30, offSec: 10 },
      ]);
      assert.deepEqual(parseBehaviors(''), []);
      assert.equal(formatBehaviors(parseBehaviors('delay:200,drop,offline:30/10,dormant:50')), 'delay:200,drop,offline:30/10,dormant:50');
    });

    it('rejects unknown names and bad arguments, naming them', () => {
      const bad: [string, string][] = [
        ['drop,lie', 'unknown behaviour "lie"'],
        ['sybil:3', 'unknown behaviour "sybil" in "sybil:3"'],
        ['delay:fast', 'delay:fast'],
        ['offline:30', 'offline:30'],
        ['offline:0/10', 'offline:0/10'],
        ['dormant', 'dormant needs a block height'],
        ['drop:1', 'drop takes no argument'],
        ['drop,drop', 'drop listed twice'],
      ];
      for (const [list, fragment] of bad) {
        assert.throws(() => parseBehaviors(list), (e: unknown) => e instanceof BehaviorError && e.message.includes(fragment), list);
      }
    });

    it('BEHAVIOR setting and --behavior flag', () => {
      assert.deepEqual(load({ flags: { behavior: 'drop,delay:10' } }).config.behaviors, [{ kind: 'drop' }, { kind: 'delay', ms: 10 }]);
      throwsConfig(() => load({ flags: { behavior: 'drop,teleport' } }), 'BEHAVIOR', 'flag --behavior', 'unknown behaviour "teleport"', 'known: delay[:ms]');
    });
  });

  describe('.env parser', () => {
    it('handles comments, blank lines, export, quotes, escapes and CRLF', () => {
      const text = [
        '\uFEFF# a comment',
        '',
        '   ',
        'PLAIN=value',
        '  SPACED  =   some value   ',
        'export EXPORTED=1',
        'export   TABBED=\tx',
        'INLINE=abc # trailing comment',
        'HASH=a#b',
        'EMPTY=',
        'DQ="a \\"quoted\\" # not a comment\\nnext"  # comment',
        "SQ='single $x \\n # kept'",
        'DQ_EMPTY=""',
        'EQ=a=b=c',
        'CRLF=yes\r',
        'PLAIN=override',
      ].join('\n');
      assert.deepEqual(parseEnv(text), {
        PLAIN: 'override',
        SPACED: 'some value',
        EXPORTED: '1',
        TABBED: 'x',
        INLINE: 'abc',
        HASH: 'a#b',
        EMPTY: '',
        DQ: 'a "quoted" # not a comment\nnext',
        SQ: 'single $x \\n # kept',
        DQ_EMPTY: '',
        EQ: 'a=b=c',
        CRLF: 'yes',
      });
      assert.deepEqual(
        parseEnvEntries('# x\nA=1\n\nB=2\n').map((e) => [e.key, e.line]),
        [
          ['A', 2],
          ['B', 4],
        ],
      );
    });

    it('reports the line number of malformed lines', () => {
      const bad: [string, number, string][] = [
        ['A=1\n# ok\nnot a setting\n', 3, 'expected KEY=VALUE'],
        ['A=1\nB="open\n', 2, 'B: unterminated double-quoted value'],
        ["A='open", 1, 'A: unterminated single-quoted value'],
        ['\n\nA="x" y\n', 3, 'A: unexpected text after closing double quote'],
        ['1A=2', 1, 'invalid key "1A"'],
        ['A-B=2', 1, 'invalid key "A-B"'],
        ['=2', 1, 'expected KEY=VALUE'],
      ];
      for (const [text, line, fragment] of bad) {
        assert.throws(
          () => parseEnvEntries(text, 'f.env'),
          (e: unknown) =>
            e instanceof EnvParseError && e.line === line && e.message.startsWith(`f.env:${line}: `) && e.message.includes(fragment),
          JSON.stringify(text),
        );
      }
    });

    it('a malformed --config or default.env file is a ConfigError with file:line', () => {
      const file = envFile('RPC_PORT=1\nP2P_PORT="9000\n');
      throwsConfig(() => load({ configFile: file }), undefined, `${file}:2: P2P_PORT: unterminated`);
      throwsConfig(() => load({ defaultEnvPath: envFile('oops\n') }), undefined, 'default.env:1: expected KEY=VALUE');
    });
  });

  describe('--config file', () => {
    it('a missing --config file is an error', () => {
      const missing = join(dir, 'missing.env');
      throwsConfig(() => load({ configFile: missing }), undefined, '--config', missing, 'ENOENT');
      throwsConfig(() => load({ configFile: dir }), undefined, '--config', 'EISDIR');
    });

    it('warns about unknown keys in the --config file only', () => {
      const configFile = envFile('# seed\nRPC_PORT=1\nRPC_PROT=2\nexport HOME_DIR=x\nKNOWN_NODES=\nDEBUG=0\n');
      const r = load({ configFile, defaultEnvPath: envFile('SOMETHING_ELSE=1\n'), env: { PATH: '/bin', RPC_PROT: '3' } });
      assert.deepEqual(r.warnings, [`${configFile}:3: unknown setting RPC_PROT ignored`, `${configFile}:4: unknown setting HOME_DIR ignored`]);
      assert.equal(r.config.rpcPort, 1);
    });
  });
});
