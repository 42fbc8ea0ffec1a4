import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ADDRESS_BYTES, addressBytesOf, addressOf, addressToString, isAddress, parseAddress } from '../../../src/core/address.js';
import { toHex } from '../../../src/core/bytes.js';
import { sha256 } from '../../../src/core/hash.js';
import { keyPairFromSeed } from '../../../src/core/keys.js';
import { bytes, key } from './fixtures.js';

describe('core/address', () => {
  it('is 0x and the first 20 bytes of sha256(public key), lower-case hex', () => {
    const k = key('addr');
    const expected = '0x' + toHex(sha256(k.publicKey).subarray(0, 20));
    assert.equal(addressOf(k.publicKey), expected);
    assert.equal(addressToString(addressBytesOf(k.publicKey)), expected);
    assert.equal(addressBytesOf(k.publicKey).byteLength, ADDRESS_BYTES);
    assert.match(expected, /^0x[0-9a-f]{40}$/);
  });

  it('derivation is a function of the key (property): same seed, same address; parse ∘ format is the identity', () => {
    fc.assert(
      fc.property(bytes(32), (seed) => {
        const a = addressOf(keyPairFromSeed(seed).publicKey);
        assert.equal(a, addressOf(keyPairFromSeed(new Uint8Array(seed)).publicKey));
        assert.ok(isAddress(a));
        assert.equal(addressToString(parseAddress(a)), a);
      }),
      { numRuns: 50 },
    );
  });

  it('different keys give different addresses', () => {
    const seen = new Set(Array.from({ length: 50 }, (_, i) => addressOf(key(i).publicKey)));
    assert.equal(seen.size, 50);
  });

  it('parseAddress accepts upper-case hex and rejects anything else', () => {
    const a = addressOf(key('x').publicKey);
    assert.deepEqual(parseAddress('0x' + a.slice(2).toUpperCase()), parseAddress(a));
    for (const bad of ['', '0x', a.slice(2), a + '00', a.slice(0, -1), '0x' + 'g'.repeat(40), ' ' + a]) {
      assert.throws(() => parseAddress(bad), TypeError, bad);
      assert.ok(!isAddress(bad));
    }
    assert.ok(!isAddress(a.toUpperCase()), 'the canonical form is lower case');
  });
});
