import { publicKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { addressOf } from '../core/address.js';
import { type Identity, readKeyFile } from '../node/identity.js';
import { UsageError } from './errors.js';

/** The file a node keeps its own key in, inside its data directory (DESIGN §4.1). */
export const NODE_KEY_FILE = 'node.key';
export const DEFAULT_DATA_DIR = './data';

/** Same as the node's peerIdOf (src/node/rpc/methods.ts), without pulling the RPC layer into client verbs. */
export function peerIdOf(publicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString();
}

export interface KeyInfo {
  address: string;
  peerId: string;
}

export function keyInfo(identity: Identity): KeyInfo {
  const pub = identity.keyPair.publicKey;
  return { address: addressOf(pub), peerId: peerIdOf(pub) };
}

export function formatKeyInfo(info: KeyInfo): string {
  return `address: ${info.address}\npeer id: ${info.peerId}\n`;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads a key file named on the command line. A missing or unreadable file is a usage problem (exit 2),
 * named together with the option that pointed at it.
 */
export async function readKeyOption(path: string, option: string): Promise<Identity> {
  try {
    return await readKeyFile(path);
  } catch (err) {
    throw new UsageError(`${option}: ${(err as Error).message}`);
  }
}

/** DIR/node.key, keeping a leading ./ so messages show the path as the user would type it. */
export const nodeKeyPath = (dataDir: string): string => (dataDir.startsWith('./') ? './' : '') + join(dataDir, NODE_KEY_FILE);
