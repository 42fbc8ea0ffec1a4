/** Loopback ports for local networks (devnet, bench, soak): fixed ranges checked free, or free ones the kernel picks. */
import { type AddressInfo, type Server, createServer } from 'node:net';
import { UsageError } from './errors.js';

export const LOOPBACK = '127.0.0.1';

/** ports [base, base+1, …] checked to lie in 1..65535. */
export function portRange(base: number, count: number, what: string): number[] {
  if (!Number.isInteger(base) || base < 1 || base + count - 1 > 65535) {
    throw new UsageError(`${what} ${base}: the ${count} ports ${base}..${base + count - 1} must lie in 1-65535`);
  }
  return Array.from({ length: count }, (_, i) => base + i);
}

/** Resolves if nothing listens on 127.0.0.1:port, else rejects naming the port. */
function checkPortFree(port: number): Promise<void> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(new UsageError(`port ${port} on ${LOOPBACK} is not free (${err.code ?? err.message}); choose other ports with --base-port / --rpc-base-port`)),
    );
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => server.close(() => ok()));
  });
}

export async function assertPortsFree(ports: number[]): Promise<void> {
  for (const p of ports) await checkPortFree(p);
}

/** `count` distinct free ports on 127.0.0.1, chosen by the kernel (for runs that need no fixed ports). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((ok, fail) => {
          const s = createServer();
          s.once('error', fail);
          s.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => ok(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}
