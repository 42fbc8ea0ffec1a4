import { strict as assert } from 'node:assert';
import { InvalidArgumentError } from 'commander';
import { DEFAULT_RPC, addressArg, intArg, rpcUrlOf, txIdArg, urlArg } from '../../../src/cli/client-options.js';
import { nodeKeyPath } from '../../../src/cli/key-info.js';

const rejects = (fn: () => unknown): void => assert.throws(fn, InvalidArgumentError);

describe('client option parsing', () => {
  it('intArg accepts whole numbers in range only', () => {
    assert.equal(intArg(1)('42'), 42);
    assert.equal(intArg(0, 400)('0'), 0);
    assert.equal(intArg(0, 400)('400'), 400);
    for (const bad of ['0', '-1', '1.5', '1e3', '0x10', '', ' ', 'ten', '9007199254740992']) rejects(() => intArg(1)(bad));
    rejects(() => intArg(0, 400)('401'));
  });

  it('addressArg takes 0x + 40 hex digits, any case, and lower-cases it', () => {
    assert.equal(addressArg('0x' + 'AB'.repeat(20)), '0x' + 'ab'.repeat(20));
    for (const bad of ['ab'.repeat(20), '0x' + 'ab'.repeat(19), '0x' + 'zz'.repeat(20), 'node_2']) rejects(() => addressArg(bad));
  });

  it('txIdArg takes 64 hex digits with or without 0x', () => {
    assert.equal(txIdArg('0x' + 'AA'.repeat(32)), 'aa'.repeat(32));
    assert.equal(txIdArg('bb'.repeat(32)), 'bb'.repeat(32));
    for (const bad of ['ab', 'gg'.repeat(32), 'aa'.repeat(33)]) rejects(() => txIdArg(bad));
  });

  it('urlArg wants http(s)', () => {
    assert.equal(urlArg('http://127.0.0.1:8545'), 'http://127.0.0.1:8545');
    for (const bad of ['127.0.0.1:8545', 'ftp://127.0.0.1', 'nonsense']) rejects(() => urlArg(bad));
  });

  it('rpcUrlOf: --port is a loopback shortcut, --rpc otherwise, then the default', () => {
    assert.equal(rpcUrlOf({}), DEFAULT_RPC);
    assert.equal(rpcUrlOf({ rpc: 'http://127.0.0.1:9' }), 'http://127.0.0.1:9');
    assert.equal(rpcUrlOf({ port: 18545 }), 'http://127.0.0.1:18545');
  });

  it('nodeKeyPath keeps a leading ./', () => {
    assert.equal(nodeKeyPath('./data'), './data/node.key');
    assert.equal(nodeKeyPath('/tmp/n1/'), '/tmp/n1/node.key');
  });
});
