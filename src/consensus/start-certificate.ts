import { ChainState, DEFAULT_CHAIN_PARAMS } from '../core/chain-state.js';
import { InvalidMessage } from '../core/errors.js';
import type { Genesis } from '../core/genesis.js';
import type { KeyPair } from '../core/keys.js';
import type { Certificate } from '../core/wire/posplus.js';
import { checkCertificate } from './bft/certificate-check.js';
import type { EngineRules } from './create-engine.js';

/**
 * Checks that a chain on `genesis` runs (`domain`: the chain's signing domain, see signingDomain): `cert` certifies a block 1 with a quorum of the validators that
 * `rules` give the genesis state. A node joins a chain someone announces only on this proof, never on a
 * claimed height, which anyone could write.
 */
export function checkStartCertificate(domain: string, rules: EngineRules, genesis: Genesis, key: KeyPair, cert: Certificate): void {
  if (cert.height !== 1) throw new InvalidMessage(`a chain's start is certified by block 1, not block ${cert.height}`);
  const head = { height: 0, hash: genesis.hash, timestamp: genesis.spec.timestamp };
  const chain = new ChainState({ chainId: domain, ...DEFAULT_CHAIN_PARAMS }, genesis, key, rules.genesisState(), head, rules.block);
  checkCertificate(domain, cert, rules.bft.validatorsFor(chain));
}
