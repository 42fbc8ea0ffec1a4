import { destination, pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** Logs go to stderr, so stdout stays free for what a command prints (peer id, tx id, JSON). */
export function createLogger(level: LogLevel, name = 'posplus'): Logger {
  return pino({ name, level }, destination(2));
}
