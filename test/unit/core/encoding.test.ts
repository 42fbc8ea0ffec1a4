import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { blockHash, buildBlock, headerOf } from '../../../src/core/block.js';
import { ownBytes } from '../../../src/core/bytes.js';
import { decodeTx, encodeTx, signTx, transferBody, txId } from '../../../src/core/tx.js';
import { decodeVote } from '../../../src/core/votes.js';
import { Block, BlockHeader, Certificate, CertifiedBlock, Evidence, Proposal, Tx, TxBatch, Vote } from '../../../src/core/wire/posplus.js';
import { CHAIN, anyBytes, arbTx, bytes, key, recipient, u32, u64 } from './fixtures.js';

const arbHeader: fc.Arbitrary<BlockHeader> = fc.record({
  height: u64,
  round: u32,
  prevHash: bytes(32),
  timestamp: u64,
  proposer: bytes(32),
  txRoot: bytes(32),
  evidenceRoot: bytes(32),
  stateRoot: bytes(32),
  lastCommitHash: bytes(32),
  ballotsRoot: bytes(32),
}, { noNullPrototype: true });

const arbEvidence: fc.Arbitrary<Evidence> = fc.record({
  kind: fc.constantFrom(Evidence.Kind.DOUBLE_SPEND, Evidence.Kind.EQUIVOCATION),
  reporter: bytes(32),
  items: fc.array(anyBytes, { maxLength: 3 }),
  height: u64,
  signature: bytes(64),
}, { noNullPrototype: true });

const arbBlock: fc.Arbitrary<Block> = fc.record({
  header: arbHeader,
  txs: fc.array(arbTx, { maxLength: 4 }),
  evidence: fc.array(arbEvidence, { maxLength: 2 }),
  ballots: fc.constant([]),
  calls: fc.constant([]),
  signature: bytes(64),
}, { noNullPrototype: true });

const arbVote: fc.Arbitrary<Vote> = fc.record({
  type: fc.constantFrom(Vote.Type.PREVOTE, Vote.Type.PRECOMMIT),
  height: u64,
  round: u32,
  blockHash: fc.oneof(bytes(0), bytes(32)),
  voter: bytes(32),
  signature: bytes(64),
}, { noNullPrototype: true });

const arbCertificate: fc.Arbitrary<Certificate> = fc.record({
  height: u64,
  round: u32,
  blockHash: bytes(32),
  sigs: fc.array(fc.record({ voter: bytes(32), signature: bytes(64) }, { noNullPrototype: true }), { maxLength: 7 }),
}, { noNullPrototype: true });

const arbProposal: fc.Arbitrary<Proposal> = fc.record({
  block: arbBlock,
  round: u32,
  validRound: fc.integer({ min: -1, max: 0x7fff_ffff }),
  proposer: bytes(32),
  pol: fc.array(arbVote, { maxLength: 4 }),
  signature: bytes(64),
}, { noNullPrototype: true });

/** decode(encode(x)) equals x, and encoding is canonical (encode(decode(bytes)) gives the same bytes). */
function roundTrips<T>(codec: { encode(m: T): Uint8Array; decode(b: Uint8Array): T }, arb: fc.Arbitrary<T>): void {
  fc.assert(
    fc.property(arb, (value) => {
      const encoded = codec.encode(value);
      const decoded = codec.decode(encoded);
      assert.deepStrictEqual(decoded, value);
      assert.deepStrictEqual(codec.encode(decoded), encoded);
    }),
    { numRuns: 200 },
  );
}

describe('core/encoding: protobuf round-trips (property)', () => {
  it('Tx', () => roundTrips(Tx, arbTx));
  it('TxBatch', () => roundTrips(TxBatch, fc.record({ txs: fc.array(arbTx, { maxLength: 5 }), seq: u64 }, { noNullPrototype: true })));
  it('Block', () => roundTrips(Block, arbBlock));
  it('Vote', () => roundTrips(Vote, arbVote));
  it('Certificate', () => roundTrips(Certificate, arbCertificate));
  it('CertifiedBlock', () => roundTrips(CertifiedBlock, fc.record({ block: arbBlock, certificate: arbCertificate }, { noNullPrototype: true })));
  it('Proposal (with its proof of lock)', () => roundTrips(Proposal, arbProposal));
  it('Evidence', () => roundTrips(Evidence, arbEvidence));

  it('encodeTx/decodeTx keep the id and the signature of a signed transaction', () => {
    const tx = signTx(CHAIN, key('a'), transferBody(recipient(key('b')), 5, 0, 72));
    const back = decodeTx(encodeTx(tx));
    assert.equal(txId(back), txId(tx));
    assert.deepStrictEqual(back, tx);
  });

  it('a header survives encoding with the same hash', () => {
    const block = buildBlock(CHAIN, key('p'), {
      height: 3,
      round: 1,
      prevHash: new Uint8Array(32).fill(7),
      timestamp: 1_700_000_000_123,
      txs: [],
      evidence: [],
      stateRoot: new Uint8Array(32).fill(1),
    });
    const back = Block.decode(Block.encode(block));
    assert.deepStrictEqual(blockHash(headerOf(back)), blockHash(headerOf(block)));
  });

  it('garbage is refused with the typed errors', () => {
    const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    assert.throws(() => decodeTx(garbage), { name: 'TxRejected', code: 'malformed' });
    assert.throws(() => decodeVote(garbage), { name: 'InvalidMessage' });
  });

  it('a message decoded from ownBytes of a view into a transport frame keeps only its own bytes alive, not the frame', () => {
    const tx = signTx(CHAIN, key('own-bytes'), transferBody(recipient(key('payee')), 5, 0));
    const encoded = Tx.encode(tx);
    const frame = new Uint8Array(65_536);
    frame.set(encoded, 1000);
    const view = frame.subarray(1000, 1000 + encoded.byteLength);
    assert.equal(Tx.decode(view).sender.buffer.byteLength, 65_536, 'a field decoded from the view holds the whole frame');
    const owned = ownBytes(view);
    const decoded = Tx.decode(owned);
    assert.equal(decoded.sender.buffer.byteLength, encoded.byteLength);
    assert.equal(txId(decoded), txId(tx));
    assert.equal(ownBytes(owned), owned, 'bytes that own their buffer are not copied again');
  });
});
