import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey, PrivateKey } from '@libp2p/interface';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type KeyPair, keyPairFromSeed } from '../core/keys.js';

/**
 * The node key is libp2p's own protobuf-encoded ed25519 key: one key is the node's peer id on the network
 * and its account on the ledger. `keygen` writes the same format, so any key file works with `--key`.
 */
export interface Identity {
  privateKey: Ed25519PrivateKey;
  keyPair: KeyPair;
}

export function identityFrom(privateKey: PrivateKey): Identity {
  if (privateKey.type !== 'Ed25519') throw new Error(`node keys are ed25519, this one is ${privateKey.type}`);
  // libp2p keeps ed25519 private keys as seed || public key.
  return { privateKey, keyPair: keyPairFromSeed(privateKey.raw.subarray(0, 32)) };
}

export async function readKeyFile(path: string): Promise<Identity> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`cannot read key file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return identityFrom(privateKeyFromProtobuf(bytes));
  } catch (err) {
    throw new Error(`${path} is not a posplus/libp2p key file: ${(err as Error).message}`);
  }
}

export async function writeNewKeyFile(path: string): Promise<Identity> {
  const privateKey = await generateKeyPair('Ed25519');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, privateKeyToProtobuf(privateKey), { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return identityFrom(privateKey);
}

export async function loadOrCreateKey(path: string): Promise<{ identity: Identity; created: boolean }> {
  try {
    return { identity: await readKeyFile(path), created: false };
  } catch (err) {
    if (!/ENOENT/.test((err as Error).message)) throw err;
    return { identity: await writeNewKeyFile(path), created: true };
  }
}
