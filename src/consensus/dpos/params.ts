/** DPoS parameters (Larimer, "Delegated Proof-of-Stake", BitShares 2014; EOS.IO Technical White Paper v2, 2018). */
export interface DposParams {
  /** K, the number of delegates (block producers), and the length of a cycle in blocks: 21, as in EOS. */
  delegates: number;
}

export const DEFAULT_DPOS_PARAMS: DposParams = { delegates: 21 };

export function checkDposParams(p: DposParams): void {
  if (!(Number.isInteger(p.delegates) && p.delegates >= 1)) throw new RangeError('DPoS delegates must be a positive integer');
}
