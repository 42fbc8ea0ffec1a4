/**
 * A small .env parser.
 *
 *   # comment                  full-line comment
 *   KEY=value                  unquoted: trimmed, ` #...` starts a comment
 *   export KEY=value           optional `export ` prefix
 *   KEY="a \"b\"\n"            double quotes: escapes \n \r \t \" \\ are processed
 *   KEY='literal $x \n'        single quotes: taken verbatim
 *   KEY=                       empty value
 *
 * Blank lines are ignored; a quoted value must close on the same line and may only
 * be followed by whitespace or a comment. Anything else is an EnvParseError that
 * carries the file name and 1-based line number.
 */
import { readFileSync } from 'node:fs';

export interface EnvEntry {
  key: string;
  value: string;
  /** 1-based line number */
  line: number;
}

export class EnvParseError extends Error {
  override readonly name = 'EnvParseError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

const LINE = /^\s*(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TRAILER = /^\s*(?:#.*)?$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** Parse the value part of a line; returns the value or throws a reason string. */
function parseValue(raw: string): string {
  const quote = raw[0];
  if (quote === '"' || quote === "'") {
    let value = '';
    let i = 1;
    for (; i < raw.length && raw[i] !== quote; i++) {
      const c = raw[i]!;
      if (quote === '"' && c === '\\' && i + 1 < raw.length) {
        const next = raw[++i]!;
        value += ESCAPES[next] ?? `\\${next}`;
      } else {
        value += c;
      }
    }
    const kind = quote === '"' ? 'double' : 'single';
    if (i >= raw.length) throw `unterminated ${kind}-quoted value`;
    if (!TRAILER.test(raw.slice(i + 1))) throw `unexpected text after closing ${kind} quote`;
    return value;
  }
  const comment = /(?:^|\s)#/.exec(raw);
  return (comment ? raw.slice(0, comment.index) : raw).trim();
}

/** Parse .env text into entries in file order (duplicates kept; later ones win when folded). */
export function parseEnvEntries(text: string, file = '<env>'): EnvEntry[] {
  const entries: EnvEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((src, idx) => {
    const line = idx + 1;
    if (TRAILER.test(src)) return; // blank or comment
    const m = LINE.exec(src);
    if (!m) throw new EnvParseError(file, line, `expected KEY=VALUE, got ${JSON.stringify(src.trim())}`);
    const key = m[1]!;
    if (!KEY.test(key)) throw new EnvParseError(file, line, `invalid key ${JSON.stringify(key)}`);
    try {
      entries.push({ key, value: parseValue(m[2]!), line });
    } catch (reason) {
      if (typeof reason !== 'string') throw reason;
      throw new EnvParseError(file, line, `${key}: ${reason}`);
    }
  });
  return entries;
}

/** Parse .env text into a key → value record (the last occurrence of a key wins). */
export function parseEnv(text: string, file?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of parseEnvEntries(text, file)) out[e.key] = e.value;
  return out;
}

/** Read and parse a .env file. File-system errors (ENOENT, EACCES, …) propagate unchanged. */
export function readEnvFile(path: string | URL, label = String(path)): EnvEntry[] {
  return parseEnvEntries(readFileSync(path, 'utf8'), label);
}
