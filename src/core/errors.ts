/**
 * Typed rejections raised by the pure core. The node maps them in one place each: to JSON-RPC codes
 * (src/node/rpc/app-errors.ts) and to gossipsub verdicts (src/node/gossip-verdict.ts).
 */

export type TxRejectCode =
  | 'malformed'
  | 'bad-signature'
  | 'duplicate'
  | 'nonce-too-low'
  | 'nonce-too-high'
  | 'nonce-conflict'
  | 'insufficient-balance'
  | 'not-registered'
  | 'mempool-full'
  | 'expired';

export class TxRejected extends Error {
  override readonly name = 'TxRejected';
  constructor(
    readonly code: TxRejectCode,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
  }
}

/** A block, proposal, vote, certificate or evidence that breaks a rule: its sender misbehaved or is broken. */
export class InvalidMessage extends Error {
  override readonly name = 'InvalidMessage';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** A message that is fine but of no use now (old height, unknown round, duplicate): drop it without blame. */
export class IgnoredMessage extends Error {
  override readonly name = 'IgnoredMessage';
  constructor(readonly reason: string) {
    super(reason);
  }
}
