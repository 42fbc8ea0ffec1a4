/**
 * The signature bound of this machine: every node verifies every transaction once, so if ed25519
 * verification were the only cost the network could commit at most (verifications/s on one core × cores
 * / nodes) tx/s. bench measures it in its own process before the nodes start, so it sees the same machine.
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';

/** About the size of a signed transfer's signing bytes. */
const MESSAGE_BYTES = 150;
/** Verifications between clock reads, so reading the clock costs little next to them. */
const BATCH = 64;

/** ed25519 verifications per second on this core: verifies one real signature for about `durationMs`. */
export function measureVerifyRate(durationMs = 1000): number {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const msg = randomBytes(MESSAGE_BYTES);
  const sig = sign(null, msg, privateKey);
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < BATCH; i++) {
      // Checked so the work cannot be skipped, and a broken key fails loudly instead of timing the failure path.
      if (!verify(null, msg, publicKey, sig)) throw new Error('ed25519 self-check failed: a fresh signature did not verify');
    }
    count += BATCH;
    elapsed = performance.now() - start;
  } while (elapsed < durationMs);
  return (count * 1000) / elapsed;
}

/** The most tx/s `nodes` nodes sharing `cores` cores could commit if each verified every transaction once. */
export function sigBoundTps(verifyPerSec: number, cores: number, nodes: number): number {
  return Math.round((verifyPerSec * cores) / nodes);
}
