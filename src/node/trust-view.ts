import { addressOf } from '../core/address.js';
import { fromHex } from '../core/bytes.js';
import type { Engine } from '../consensus/engine.js';
import type { NccaParams } from '../consensus/ncca/params.js';
import { type TrustedListView, trustedListOf } from '../consensus/ncca/trusted-list.js';
import type { Certificate } from '../core/wire/posplus.js';
import type { Area } from '../geo/grid.js';

/**
 * This node's trusted list (NCCA §2.1): every validator scored from its credit on chain, the messages this node
 * exchanged with it (δ) and the cell hops between them (ω^hops). Validators missing from the head's certificate
 * count as failed, and the list refills from the backup pool when too many failed at once.
 */
export function trustedListView(
  engine: Pick<Engine, 'validators'>,
  params: NccaParams,
  area: Area,
  ownCell: number,
  exchangesOf: (publicKeyHex: string) => number,
  lastCertificate: Certificate | undefined,
): TrustedListView {
  const validators = engine.validators().filter((v) => v.role === 'validator' || v.role === 'multi-region');
  const seen = validators.map((v) => ({
    address: v.address,
    publicKey: v.publicKey,
    credit: Math.round((v.credit ?? params.credit.initial / 1_000_000) * 1_000_000),
    cell: v.cell,
  }));
  const list = trustedListOf(seen, ownCell, area, exchangesOf, params.trust);
  if (lastCertificate) {
    const signed = new Set(lastCertificate.sigs.map((s) => addressOf(s.voter)));
    list.markFailed(validators.filter((v) => !signed.has(addressOf(fromHex(v.publicKey)))).map((v) => v.address));
    list.refill();
  }
  return list.view();
}
