import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_PUSH_BACKLOG_BYTES } from './push-limits.js';
import { checkCaller } from './request-gate.js';

/** WebSocket connections served at once; each holds a socket and up to MAX_PUSH_BACKLOG_BYTES. */
export const MAX_WS_CONNECTIONS = 64;
/**
 * Requests of one connection being answered at once. Over HTTP a request waits for its answer; a WebSocket can
 * send without waiting, and each request in flight holds its work and its answer in memory until it is sent.
 */
export const MAX_WS_IN_FLIGHT = 64;

export interface WsEndpointOptions {
  rpcHost: string;
  /** Largest message a client may send, as for an HTTP body. */
  maxPayload: number;
  isLoopback(address: string): boolean;
  /** The JSON-RPC answer to one text message (already parsed, or PARSE_FAILED), undefined when none is due. */
  answer(message: unknown, ctx: { remoteAddress: string; isLoopback: boolean; channel: WsChannel }): Promise<string | undefined>;
}

export const PARSE_FAILED = Symbol('parse failed');

/** One WebSocket as RpcContext.channel: pushes are dropped with the connection when its reader lags. */
export class WsChannel {
  private readonly closers: (() => void)[] = [];

  constructor(private readonly ws: WebSocket) {
    ws.once('close', () => this.closers.splice(0).forEach((fn) => fn()));
  }

  push(json: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > MAX_PUSH_BACKLOG_BYTES) this.ws.terminate();
    else this.ws.send(json);
  }

  onClose(fn: () => void): void {
    this.closers.push(fn);
  }
}

/** JSON-RPC over WebSocket on the RPC port (`ws://host:port/`): requests as over HTTP, plus pushed notifications. */
export class WsEndpoint {
  private readonly wss: WebSocketServer;

  constructor(private readonly opts: WsEndpointOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload, clientTracking: true });
  }

  /** An HTTP upgrade to the JSON-RPC path: refused like a POST from a foreign page, or past the connection limit. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const refused = checkCaller(req.headers, this.opts.rpcHost) ?? (this.wss.clients.size >= MAX_WS_CONNECTIONS ? { status: 503, message: 'too many WebSocket connections' } : undefined);
    if (refused !== undefined) {
      socket.end(`HTTP/1.1 ${refused.status} ${refused.status === 503 ? 'Service Unavailable' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(refused.message)}\r\n\r\n${refused.message}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, req.socket.remoteAddress ?? ''));
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private serve(ws: WebSocket, remoteAddress: string): void {
    const channel = new WsChannel(ws);
    const ctx = { remoteAddress, isLoopback: this.opts.isLoopback(remoteAddress), channel };
    ws.on('error', () => ws.terminate());
    let inFlight = 0;
    ws.on('message', (data, isBinary) => {
      if (inFlight >= MAX_WS_IN_FLIGHT) return void ws.close(1008, `more than ${MAX_WS_IN_FLIGHT} requests in flight`);
      inFlight++;
      let message: unknown = PARSE_FAILED;
      if (!isBinary) {
        try {
          message = JSON.parse(data.toString());
        } catch {
          // answered as a parse error below
        }
      }
      this.opts
        .answer(message, ctx)
        .then(
          (reply) => reply !== undefined && channel.push(reply),
          () => ws.terminate(),
        )
        .finally(() => inFlight--);
    });
  }
}
