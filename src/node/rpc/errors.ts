/**
 * JSON-RPC error codes and the one place that turns anything thrown during a call into a JSON-RPC
 * error object. Protocol codes come from the JSON-RPC 2.0 spec; application codes live in the
 * -32000..-32099 range the spec reserves for server-defined errors.
 */
import type { ZodError } from 'zod';

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

export const TX_REJECTED = -32001;
/** E.g. a loopback-only method called from another host. */
export const FORBIDDEN = -32003;
export const NOT_FOUND = -32004;
/** The node is not ready (still syncing, shutting down). */
export const UNAVAILABLE = -32005;

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** Thrown by handlers (or the server itself) to answer with a chosen code; message and data reach the caller. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/**
 * Names only the first failing field so the caller sees one actionable problem,
 * e.g. `invalid params: amount: Expected number, received string`.
 */
export function invalidParams(error: ZodError): RpcError {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'params';
  const reason = issue?.message ?? 'invalid';
  return new RpcError(INVALID_PARAMS, `invalid params: ${field}: ${reason}`, { field, reason });
}

/**
 * `expected` is false for anything that is not an RpcError: those are bugs, so the caller must log
 * them, and their message (which may carry internals) is replaced by a fixed one.
 */
export function toJsonRpcError(err: unknown): { error: JsonRpcErrorObject; expected: boolean } {
  if (err instanceof RpcError) {
    const error: JsonRpcErrorObject = { code: err.code, message: err.message };
    if (err.data !== undefined) error.data = err.data;
    return { error, expected: true };
  }
  return { error: { code: INTERNAL_ERROR, message: 'internal error' }, expected: false };
}
