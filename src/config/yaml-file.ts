import {parseDocument} from 'yaml';
import {ConfigError} from '../errors.js';

/** Parses a configuration file's YAML (or JSON, which is YAML), naming file, line and column on error. */
export function parseYamlFile(path: string, text: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0];
    throw new ConfigError(
      `${path}${line ? `:${line.line}:${line.col}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`,
      {
        hint: 'Fix the syntax at the position shown.',
      },
    );
  }
  return doc.toJS();
}
