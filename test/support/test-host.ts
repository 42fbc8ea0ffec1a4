import { generateKeyPair } from '@libp2p/crypto/keys';
import { Registry } from 'prom-client';
import { ConnectionTraffic } from '../../src/node/connection-traffic.js';
import { type P2pHost, createP2pHost } from '../../src/node/p2p-host.js';

/** A libp2p host of the test's own on 127.0.0.1 (any free port, no mDNS), with a fresh key: a peer the test plays. */
export async function testHost(chainId: string, traffic = new ConnectionTraffic()): Promise<P2pHost> {
  return createP2pHost({
    privateKey: await generateKeyPair('Ed25519'),
    host: '127.0.0.1',
    port: 0,
    mdns: false,
    chainId,
    appScore: () => 0,
    registry: new Registry(),
    traffic,
  });
}
