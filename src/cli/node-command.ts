import type { Command } from 'commander';
import { loadConfig } from '../node/config.js';
import { createLogger } from '../node/logger.js';
import { PosplusNode } from '../node/node.js';
import { registerMethods } from '../node/rpc/methods.js';
import { RpcServer } from '../node/rpc/server.js';
import { localRpcUrl, rpcUrl, writeRpcUrl } from '../node/rpc-url-file.js';
import { addSettingOptions } from './setting-options.js';

/** Longest a clean stop may take (the RPC's grace, libp2p, the store) before the process exits anyway; under Docker's 10 s. */
const SHUTDOWN_DEADLINE_MS = 8_000;

export function registerNodeCommand(program: Command): void {
  const cmd = addSettingOptions(program.command('node').description('run a node: joins the network, takes part in consensus, serves JSON-RPC'));
  cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
    const { config, warnings } = loadConfig({ flags: opts, env: process.env, configFile: opts.config as string | undefined });
    const log = createLogger(config.logLevel);
    for (const w of warnings) log.warn(w);
    let stopping = false;
    const fatal = (err: Error): void => {
      log.fatal({ err }, 'stopping after a fatal error');
      process.stderr.write(`posplus: ${err.message}\n`);
      process.exit(1);
    };
    const node = await PosplusNode.start(config, log, fatal);
    const rpc = new RpcServer({ host: config.rpcHost, port: config.rpcPort, logger: log });
    registerMethods(rpc, node);
    const bound = await rpc.listen();
    const boundUrl = rpcUrl(bound.host, bound.port);
    await writeRpcUrl(config.dataDir, localRpcUrl(bound.host, bound.port));
    process.stdout.write(
      [
        `peer id:  ${node.host.peerId.toString()}`,
        ...node.host.getMultiaddrs().map((a) => `listen:   ${a.toString()}`),
        `rpc:      ${boundUrl}`,
        `data dir: ${config.dataDir}`,
        '',
      ].join('\n'),
    );
    const shutdown = (signal: string): void => {
      // A second Ctrl-C is the operator saying "now": no waiting on a stop that hangs.
      if (stopping) {
        log.warn({ signal }, 'second signal while stopping: exiting at once');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      setTimeout(() => {
        log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time: exiting');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
      Promise.all([rpc.close(), node.stop()])
        .then(() => process.exit(0))
        .catch((err: Error) => fatal(err));
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });
}
