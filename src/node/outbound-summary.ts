import { blockHashHex, headerOf } from '../core/block.js';
import { toHex } from '../core/bytes.js';
import { Vote } from '../core/wire/posplus.js';
import type { Outbound } from '../consensus/engine.js';

const short = (b: Uint8Array | undefined): string => (b === undefined || b.length === 0 ? 'nil' : toHex(b).slice(0, 8));
const voteOf = (v: Vote): string => `${v.type === Vote.Type.PREVOTE ? 'prevote' : 'precommit'} ${v.height}/${v.round} ${short(v.blockHash)} by ${short(v.voter)}`;

/** One line on a consensus message, for the trace log: enough to follow a height's rounds across nodes. */
export function summarize(out: Outbound): string {
  const to = 'to' in out && out.to !== undefined ? ` to ${short(out.to)}` : '';
  switch (out.kind) {
    case 'txs':
      return `${out.txs.length} txs`;
    case 'proposal': {
      const p = out.proposal;
      return `proposal ${headerOf(p.block).height}/${p.round} ${blockHashHex(p.block!).slice(0, 8)} valid-round ${p.validRound} by ${short(p.proposer)}`;
    }
    case 'vote':
      return `${voteOf(out.vote)}${to}`;
    case 'votes':
      return `bundle of ${out.votes.length}: ${out.votes.map(voteOf).join(', ')}`;
    case 'certificate':
      return `certificate ${out.certificate.height}/${out.certificate.round} ${short(out.certificate.blockHash)}`;
    case 'evidence':
      return 'evidence';
    case 'ballot':
      return `ballot${to}`;
    case 'bundle':
      return `ballot bundle of cell ${out.cell} (${out.ballots.length})${to}`;
    case 'call':
      return 'tx-set call';
  }
}
