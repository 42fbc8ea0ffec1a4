import type { Logger } from 'pino';
import type { Hex } from '../core/bytes.js';
import type { ChainState, TxStatus } from '../core/chain-state.js';
import { locateBody, registerBody, type TxBody } from '../core/tx.js';
import { type Area, type Position, cellOf } from '../geo/grid.js';

export interface OwnDutiesShell {
  log: Logger;
  /** This node's account address. */
  address: string;
  area: Area;
  /** STAKE: what the node's account should hold staked. */
  stake: number;
  chain(): ChainState | undefined;
  syncing(): boolean;
  position(): Position;
  cell(): number;
  submitOwn(body: (nonce: number) => TxBody): Promise<TxStatus>;
}

/**
 * What a node does for its own account: declare its position on chain (NCCA elects per cell from the positions
 * on chain) and register the stake it was configured with. Each at most once at a time.
 */
export class OwnDuties {
  private stakeRequested = false;
  private locating = false;
  private locatingId?: Hex;

  constructor(private readonly shell: OwnDutiesShell) {}

  /** Declares the position when the chain does not know it yet, or shows another cell than the one we are in. */
  locate(): void {
    const s = this.shell;
    const chain = s.chain();
    if (chain === undefined || s.syncing() || this.locating) return;
    const onChain = chain.account(s.address).position;
    if (onChain !== undefined && cellOf(s.area, onChain) === s.cell()) return;
    this.locating = true;
    const { x, y } = s.position();
    void s
      .submitOwn((nonce) => locateBody(x, y, nonce))
      .then((status) => {
        s.log.info({ cell: s.cell(), position: s.position(), status: status.status }, 'declared position on chain');
        this.locatingId = status.status === 'pending' ? status.id : undefined;
        if (status.status !== 'pending') this.locating = false;
      })
      .catch(() => (this.locating = false));
  }

  /** Once the account can afford it, registers the stake it is missing. */
  registerStake(): void {
    const s = this.shell;
    const chain = s.chain();
    if (this.stakeRequested || s.stake === 0 || chain === undefined) return;
    const me = chain.account(s.address);
    const missing = s.stake - me.stake;
    if (missing <= 0) {
      this.stakeRequested = true;
      return;
    }
    if (me.balance < missing) return;
    this.stakeRequested = true;
    void s.submitOwn((nonce) => registerBody(missing, me.capacity, nonce)).then(
      (status) => s.log.info({ stake: missing, status: status.status }, 'registered stake'),
      (err) => {
        this.stakeRequested = false;
        s.log.warn({ err }, 'stake registration not submitted; will retry');
      },
    );
  }

  /** A rejected LOCATE may be sent again. */
  rejected(id: Hex): void {
    if (id === this.locatingId) this.locating = false;
  }

  /** A committed LOCATE is done. */
  committed(txIds: readonly Hex[]): void {
    if (this.locatingId !== undefined && txIds.includes(this.locatingId)) {
      this.locating = false;
      this.locatingId = undefined;
    }
  }
}
