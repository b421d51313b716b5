import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {parseDocument} from 'yaml';
import {parseConfigFile} from './validate.js';

/**
 * Edits the writable configuration file (CDCCTL_CONFIG or the user file) in place, keeping its
 * comments and layout, validating the result before it replaces the file (atomically, mode 0600:
 * the file may hold credentials).
 */
export function editConfigFile(path: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const doc = parseDocument(text);
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  edit(doc);
  const out = doc.toString();
  parseConfigFile(path, out); // refuse to write anything that would not load again
  mkdirSync(dirname(path), {recursive: true, mode: 0o700});
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, out, {mode: 0o600});
  renameSync(tmp, path);
}
