/**
 * Generic JSON-RPC 2.0 over HTTP, plus a few plain GET routes (/health, /metrics) and streams (/events) on the same port.
 * It knows nothing about the chain: the node registers its methods and routes before listen().
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv4, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { z, ZodDefault, ZodEffects, ZodObject, ZodOptional, type ZodTypeAny } from 'zod';
import {
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  RpcError,
  invalidParams,
  toJsonRpcError,
  type JsonRpcErrorObject,
} from './errors.js';
import { MAX_BATCH, checkCaller, checkRpcRequest } from './request-gate.js';
import { PARSE_FAILED, WsEndpoint } from './ws-endpoint.js';

export const MAX_BODY_BYTES = 1024 * 1024;
const RPC_PATHS = new Set(['/', '/rpc']);
// Bound how long a slow or stalled client can hold a connection and a partial request.
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
// close() lets in-flight calls finish for this long before cutting connections.
const CLOSE_GRACE_MS = 2_000;
// After a 413 the rest of the body is read and dropped, within these bounds, so that a client still sending
// can finish and read the answer: closing at once makes its write fail (EPIPE) before it sees the 413.
const DISCARD_MAX_BYTES = 32 * MAX_BODY_BYTES;
const DISCARD_MAX_MS = 5_000;

export interface RpcContext {
  remoteAddress: string;
  isLoopback: boolean;
  /** A connection the server can push to (a WebSocket); absent for an HTTP POST, which gets one answer. */
  channel?: PushChannel;
}

/** A connection that outlives one call: what subscriptions push their notifications into. */
export interface PushChannel {
  /** Sends a serialized message; a reader too slow to take it is cut off instead. */
  push(json: string): void;
  /** Runs once the connection is gone. */
  onClose(fn: () => void): void;
}

export interface RpcMethod<S extends ZodTypeAny> {
  params: S;
  handler: (params: z.output<S>, ctx: RpcContext) => Promise<unknown> | unknown;
}

/** Identity helper so `handler` gets its params type inferred from the schema. */
export function defineMethod<S extends ZodTypeAny>(method: RpcMethod<S>): RpcMethod<S> {
  return method;
}

export interface GetRouteResponse {
  status: number;
  contentType: string;
  body: string;
}

export type GetRouteHandler = () => Promise<GetRouteResponse>;

/**
 * A GET route that answers with a stream it keeps open (Server-Sent Events). It runs after the caller checks
 * (Host, Origin) and owns `res` from then on; the server ends it when it closes.
 */
export type StreamRouteHandler = (query: URLSearchParams, res: ServerResponse) => void;

export interface RpcLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RpcServerOptions {
  host: string;
  port: number;
  logger?: RpcLogger;
}

type Id = string | number | null;

const consoleLogger: RpcLogger = {
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

const TOO_LARGE = Symbol('too large');

export class RpcServer {
  private readonly methods = new Map<string, RpcMethod<ZodTypeAny>>();
  private readonly getRoutes = new Map<string, GetRouteHandler>();
  private readonly streamRoutes = new Map<string, StreamRouteHandler>();
  /** Open streams, ended at close() instead of holding it for the grace period. */
  private readonly streams = new Set<ServerResponse>();
  private readonly logger: RpcLogger;
  private server: Server | undefined;
  private ws: WsEndpoint | undefined;
  /** What a GET of the JSON-RPC path answers (the dashboard); 405 without one. */
  private page?: { html: () => string; headers: Record<string, string> };

  constructor(private readonly opts: RpcServerOptions) {
    this.logger = opts.logger ?? consoleLogger;
  }

  register(name: string, method: RpcMethod<any>): void {
    // The spec reserves `rpc.`; duplicates are a wiring bug that would silently shadow a method.
    if (name.startsWith('rpc.')) throw new Error(`method name ${name} is reserved`);
    if (this.methods.has(name)) throw new Error(`method ${name} already registered`);
    this.methods.set(name, method);
  }

  addGetRoute(path: string, handler: GetRouteHandler): void {
    if (RPC_PATHS.has(path)) throw new Error(`path ${path} is reserved for JSON-RPC`);
    if (this.getRoutes.has(path)) throw new Error(`GET route ${path} already registered`);
    this.getRoutes.set(path, handler);
  }

  /** An HTML page for GET / (the JSON-RPC path, which answers POSTs and WebSocket upgrades). */
  setPage(html: () => string, headers: Record<string, string> = {}): void {
    this.page = { html, headers };
  }

  addStreamRoute(path: string, handler: StreamRouteHandler): void {
    if (RPC_PATHS.has(path) || this.getRoutes.has(path) || this.streamRoutes.has(path)) throw new Error(`path ${path} is already taken`);
    this.streamRoutes.set(path, handler);
  }

  async listen(): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('RpcServer already listening');
    const timeouts = { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS };
    const server = createServer(timeouts, (req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        this.logger.error({ err }, 'rpc: unhandled failure serving request');
        if (!res.headersSent) sendText(res, 500, 'internal error');
        else res.destroy();
      });
    });
    this.server = server;
    const ws = new WsEndpoint({
      rpcHost: this.opts.host,
      maxPayload: MAX_BODY_BYTES,
      isLoopback,
      answer: (message, ctx) => (message === PARSE_FAILED ? Promise.resolve(errorResponse(null, { code: PARSE_ERROR, message: 'parse error' })) : this.answer(message, ctx)),
    });
    this.ws = ws;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (RPC_PATHS.has((req.url ?? '/').split('?', 1)[0]!)) ws.upgrade(req, socket, head);
      else socket.destroy();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.port, this.opts.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.server = undefined;
      throw err;
    }
    const addr = server.address() as AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.ws?.close();
    for (const res of this.streams) res.end();
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    await closed;
    clearTimeout(timer);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A client that goes away mid-body emits 'error'; without a listener that would crash the process.
    req.on('error', () => {});
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';

    if (RPC_PATHS.has(path)) {
      if (req.method === 'GET' && this.page) return send(res, 200, 'text/html; charset=utf-8', this.page.html(), this.page.headers);
      if (req.method !== 'POST') return sendText(res, 405, 'method not allowed', { Allow: this.page ? 'GET, POST' : 'POST' });
      const refused = checkRpcRequest(req.headers, this.opts.host);
      if (refused !== undefined) {
        discardRest(req);
        return sendText(res, refused.status, refused.message);
      }
      return this.onRpc(req, res);
    }
    const stream = this.streamRoutes.get(path);
    if (stream) return this.onStream(req, res, stream);
    const route = this.getRoutes.get(path);
    if (!route) return sendText(res, 404, 'not found');
    if (req.method !== 'GET') return sendText(res, 405, 'method not allowed', { Allow: 'GET' });
    let out: GetRouteResponse;
    try {
      out = await route();
    } catch (err) {
      this.logger.error({ err, path }, 'rpc: GET route failed');
      return sendText(res, 500, 'internal error');
    }
    send(res, out.status, out.contentType, out.body);
  }

  private onStream(req: IncomingMessage, res: ServerResponse, handler: StreamRouteHandler): void {
    if (req.method !== 'GET') return sendText(res, 405, 'method not allowed', { Allow: 'GET' });
    const refused = checkCaller(req.headers, this.opts.host);
    if (refused !== undefined) return sendText(res, refused.status, refused.message);
    this.streams.add(res);
    res.once('close', () => this.streams.delete(res));
    handler(new URL(req.url ?? '/', 'http://node').searchParams, res);
  }

  private async onRpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) return; // client aborted; nobody to answer
    if (body === TOO_LARGE) {
      this.logger.warn({ remoteAddress: req.socket.remoteAddress }, 'rpc: request body too large');
      const error = { code: INVALID_REQUEST, message: `request body too large (limit ${MAX_BODY_BYTES} bytes)` };
      discardRest(req);
      return send(res, 413, 'application/json', errorResponse(null, error));
    }

    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch {
      return sendJson(res, errorResponse(null, { code: PARSE_ERROR, message: 'parse error' }));
    }

    const remoteAddress = req.socket.remoteAddress ?? '';
    const reply = await this.answer(message, { remoteAddress, isLoopback: isLoopback(remoteAddress) });
    if (reply === undefined) return sendEmpty(res);
    sendJson(res, reply);
  }

  /** The serialized answer to a parsed JSON-RPC message (one request or a batch), or undefined when none is due. */
  async answer(message: unknown, ctx: RpcContext): Promise<string | undefined> {
    if (Array.isArray(message)) {
      if (message.length === 0) return errorResponse(null, { code: INVALID_REQUEST, message: 'invalid request: empty batch' });
      if (message.length > MAX_BATCH) {
        return errorResponse(null, { code: INVALID_REQUEST, message: `invalid request: a batch of ${message.length} requests (limit ${MAX_BATCH})` });
      }
      const replies = await Promise.all(message.map((m) => this.handleOne(m, ctx)));
      const present = replies.filter((r): r is string => r !== undefined);
      return present.length === 0 ? undefined : `[${present.join(',')}]`;
    }
    return this.handleOne(message, ctx);
  }

  /** Returns the serialized response, or undefined for a notification. */
  private async handleOne(message: unknown, ctx: RpcContext): Promise<string | undefined> {
    const checked = checkRequest(message);
    if ('error' in checked) return errorResponse(checked.id, checked.error);
    const { id, isNotification, method, params } = checked;

    let result: unknown;
    try {
      result = await this.call(method, params, ctx);
    } catch (err) {
      const { error, expected } = toJsonRpcError(err);
      if (!expected) this.logger.error({ err, method }, 'rpc: method failed');
      return isNotification ? undefined : errorResponse(id, error);
    }
    if (isNotification) return undefined;
    try {
      // JSON-RPC requires a result member; a handler returning nothing means null.
      return JSON.stringify({ jsonrpc: '2.0', id, result: result ?? null }, replacer);
    } catch (err) {
      this.logger.error({ err, method }, 'rpc: result not serializable');
      return errorResponse(id, toJsonRpcError(err).error);
    }
  }

  private async call(name: string, raw: unknown, ctx: RpcContext): Promise<unknown> {
    const method = this.methods.get(name);
    if (!method) throw new RpcError(METHOD_NOT_FOUND, `method not found: ${name}`);
    const parsed = await method.params.safeParseAsync(paramsInput(method.params, raw));
    if (!parsed.success) throw invalidParams(parsed.error);
    return method.handler(parsed.data, ctx);
  }
}

type CheckedRequest =
  | { id: Id; isNotification: boolean; method: string; params: unknown }
  | { id: Id; error: JsonRpcErrorObject };

function checkRequest(message: unknown): CheckedRequest {
  const invalid = (id: Id, why: string): CheckedRequest => ({
    id,
    error: { code: INVALID_REQUEST, message: `invalid request: ${why}` },
  });
  if (!isPlainObject(message)) return invalid(null, 'expected an object');
  const hasId = Object.hasOwn(message, 'id');
  const rawId = message['id'];
  const idOk = rawId === null || typeof rawId === 'string' || typeof rawId === 'number';
  const id: Id = idOk ? rawId : null;
  if (hasId && !idOk) return invalid(null, 'id must be a string, number or null');
  if (message['jsonrpc'] !== '2.0') return invalid(id, 'jsonrpc must be "2.0"');
  if (typeof message['method'] !== 'string') return invalid(id, 'method must be a string');
  const params = message['params'];
  if (Object.hasOwn(message, 'params') && (params === null || typeof params !== 'object')) {
    return invalid(id, 'params must be an object or an array');
  }
  return { id, isNotification: !hasId, method: message['method'], params };
}

/**
 * By-name params go to the schema as they are. Omitted params count as "no named params" for object
 * schemas, so all-optional methods can be called bare. A positional array is only accepted as a
 * wrapper around one by-name object, for clients that always send arrays.
 */
function paramsInput(schema: ZodTypeAny, raw: unknown): unknown {
  if (!isObjectSchema(schema)) return raw;
  if (raw === undefined) return {};
  if (!Array.isArray(raw)) return raw;
  if (isPlainObject(raw[0])) return raw[0];
  throw new RpcError(INVALID_PARAMS, 'invalid params: params: expected named params (an object), not positional', {
    field: 'params',
    reason: 'expected named params (an object), not positional',
  });
}

function isObjectSchema(schema: ZodTypeAny): boolean {
  let s = schema;
  for (;;) {
    if (s instanceof ZodObject) return true;
    if (s instanceof ZodEffects) s = s.innerType();
    else if (s instanceof ZodOptional) s = s.unwrap();
    else if (s instanceof ZodDefault) s = s.removeDefault();
    else return false;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isLoopback(address: string): boolean {
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return isIPv4(v4) && v4.startsWith('127.');
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function errorResponse(id: Id, error: JsonRpcErrorObject): string {
  try {
    return JSON.stringify({ jsonrpc: '2.0', id, error }, replacer);
  } catch {
    // Handler-supplied data could be circular; the code and message still reach the caller.
    return JSON.stringify({ jsonrpc: '2.0', id, error: { code: error.code, message: error.message } });
  }
}

/**
 * Resolves to the body, TOO_LARGE once it exceeds `limit` (it stops keeping chunks from then on), or
 * undefined if the client aborted.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | typeof TOO_LARGE | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Buffer | typeof TOO_LARGE | undefined): void => {
      if (done) return;
      done = true;
      chunks.length = 0;
      req.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) return finish(TOO_LARGE);
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (!done) finish(Buffer.concat(chunks, size));
    });
    req.on('close', () => finish(undefined));
  });
}

/** Reads and drops what is left of a refused body; a client that sends too much or too long is cut off. */
function discardRest(req: IncomingMessage): void {
  let discarded = 0;
  const cut = (): void => void req.socket.destroy();
  const timer = setTimeout(cut, DISCARD_MAX_MS);
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, body: string): void {
  send(res, 200, 'application/json', body);
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  send(res, status, 'text/plain; charset=utf-8', body, headers);
}

function sendEmpty(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}
