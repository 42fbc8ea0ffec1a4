import { strict as assert } from 'node:assert';
import { signCall, signCallBallot } from '../../../../src/core/ballots.js';
import { type Account, ElectedRole } from '../../../../src/core/ledger.js';
import { decodeReports, decodeTrusted, encodeReports, encodeTrusted, suspectsAt, trustBaseAt } from '../../../../src/consensus/detection/ballot-reports.js';
import { TxSetBallot } from '../../../../src/core/wire/posplus.js';
import { CHAIN, key } from '../../core/fixtures.js';

const account = (over: Partial<Account> = {}): Account => ({ balance: 0, nonce: 0, stake: 100, capacity: 1, publicKey: new Uint8Array(32), ...over });
const watched = { detection: { watch: {} } } as unknown as Partial<Account>;

describe('detection reports packed against the head', () => {
  const entries: [string, Account][] = [
    ['0xcc', account({ ...watched, role: ElectedRole.validator })],
    ['0xaa', account(watched)],
    ['0xbb', account({ role: ElectedRole.multiRegion })],
    ['0xdd', account({ ...watched, stake: 0 })], // not registered: no suspect
    ['0xee', account()],
  ];

  it('suspects are the registered nodes under watch, validators the elected ones (everyone registered before an election), in address order', () => {
    assert.deepEqual(suspectsAt(entries), ['0xaa', '0xcc']);
    assert.deepEqual(trustBaseAt(entries), ['0xbb', '0xcc']);
    assert.deepEqual(trustBaseAt(entries.map(([a, x]) => [a, { ...x, role: undefined }] as const)), ['0xaa', '0xbb', '0xcc', '0xee']);
  });

  it('round-trips ns per suspect and a trusted list; reports or bits that do not fit the head say nothing', () => {
    const suspects = suspectsAt(entries);
    const reports = encodeReports(suspects, (s) => (s === '0xaa' ? 0 : 1500));
    assert.deepEqual(reports, [1, 1501]);
    assert.deepEqual([...decodeReports(reports, suspects)], [['0xaa', 0], ['0xcc', 1500]]);
    assert.deepEqual(encodeReports(suspects, () => undefined), [], 'no report at all is no field');
    assert.equal(decodeReports([1, 2, 3], suspects).size, 0, 'one entry too many');
    const base = trustBaseAt(entries);
    const bits = encodeTrusted(base, new Set(['0xcc', '0xzz']));
    assert.deepEqual(decodeTrusted(bits, base), ['0xcc'], 'a listed node outside the base is dropped');
    assert.equal(decodeTrusted(new Uint8Array(2), base), undefined);
    assert.equal(encodeTrusted(base, new Set()).byteLength, 0);
  });

  it('a round-1 ballot at the paper scale (24 suspects, 150 validators, a call of 576 ids) stays far under 1 KB', () => {
    const ids = Array.from({ length: 576 }, (_, i) => i.toString(16).padStart(64, '0'));
    const call = signCall(CHAIN, key('p'), 5, 1, ids);
    const base = Array.from({ length: 150 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
    const ballot = signCallBallot(CHAIN, key('v'), call, () => true, {
      reports: Array.from({ length: 24 }, (_, i) => 900 + i * 10),
      trustedBits: encodeTrusted(base, new Set(base.slice(0, 140))),
    });
    const size = TxSetBallot.encode(ballot).byteLength;
    assert.ok(size < 400, `${size} bytes`);
  });
});
