import type { Hex } from '../../core/bytes.js';
import type { Prng } from '../../core/prng.js';
import { txId } from '../../core/tx.js';
import type { Tx } from '../../core/wire/posplus.js';
import type { ReplicaNetwork } from '../replica-network.js';
import type { Replica } from '../replica.js';
import type { OfferedLoad } from './run-metrics.js';

export interface Load {
  /** Transfers per simulated second, offered in batches every `batchMs` until `untilMs` of virtual time. */
  txRate: number;
  batchMs: number;
  untilMs: number;
}

/**
 * Honest vehicles offer transfers of 1 to random other vehicles, each at its own node. Returns the count of
 * transactions offered and the submission time of every one sent, filled in as the run goes.
 */
export function offerLoad(net: ReplicaNetwork, senders: readonly number[], load: Load, prng: Prng): OfferedLoad {
  const submitted = new Map<Hex, number>();
  const result = { offered: 0, submitted };
  const perBatch = (load.txRate * load.batchMs) / 1000;
  let owed = 0;
  const offer = (): void => {
    owed += perBatch;
    const bySender = new Map<number, Tx[]>();
    for (; owed >= 1; owed--) {
      result.offered++;
      const from = senders[prng.int(senders.length)]!;
      let to = prng.int(net.replicas.length - 1);
      if (to >= from) to++;
      if (!mayOffer(net.replica(from))) continue;
      const tx = net.transfer(from, to, 1);
      submitted.set(txId(tx), net.now);
      const batch = bySender.get(from);
      if (batch === undefined) bySender.set(from, [tx]);
      else batch.push(tx);
    }
    for (const [from, txs] of bySender) net.submit(from, txs);
    if (net.now + load.batchMs < load.untilMs) net.schedule(load.batchMs, offer);
  };
  net.schedule(load.batchMs, offer);
  return result;
}

/**
 * A vehicle with `maxNonceAhead` transactions still unconfirmed waits before it sends more, as a wallet would:
 * its node refuses nonces further ahead, and one refused nonce would block every later one for good.
 */
function mayOffer(sender: Replica): boolean {
  const confirmed = sender.chain.ledger.get(sender.address)?.nonce ?? 0;
  return sender.nextNonce - confirmed < sender.chain.params.maxNonceAhead;
}
