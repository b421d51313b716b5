import {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import type {PoolClient} from 'pg';
import {cjsExports} from '../cjs.js';

/**
 * PostgreSQL `COPY … FROM STDIN` in text format: how fields are written, and streaming rows to a
 * client. Values are data, never SQL: the text format has no quoting, only the escapes below.
 */

/** One field: `\N` for NULL, otherwise the value's text with backslash, tab, newline and CR escaped. */
export function copyText(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = v instanceof Date ? v.toISOString() : String(v);
  // most values have nothing to escape: a test is far cheaper than a replace with a callback
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIALS, (ch) => COPY_ESCAPES[ch] as string) : s;
}
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = {'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r'};

/** A bytea field: hex input form (`\x…`, its backslash escaped), or `\N`. */
export function copyBytea(b: Buffer | null): string {
  return b === null ? '\\N' : `\\\\x${b.toString('hex')}`;
}

/**
 * Runs `COPY <target> FROM STDIN` on the client, sending the lines (each one row, ending in "\n")
 * in chunks of about 64 KB.
 */
export async function copyLines(client: PoolClient, target: string, lines: Iterable<string>): Promise<void> {
  const {from} = cjsExports(await import('pg-copy-streams'), 'from');
  const stream = client.query(from(`COPY ${target} FROM STDIN`));
  function* chunks() {
    let buf = '';
    for (const line of lines) {
      buf += line;
      if (buf.length > 1 << 16) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  await pipeline(Readable.from(chunks()), stream);
}
