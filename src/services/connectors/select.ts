import {UsageError} from '../../errors.js';

/**
 * Connector selection shared by every command that acts on many connectors: exact names, globs
 * (`inventory-*`, `*-sink`) or regular expressions written as `/…/`.
 */
export function compileSelector(patterns: string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => true;
  const tests = patterns.map(compileOne);
  return (name) => tests.some((t) => t(name));
}

function compileOne(pattern: string): (name: string) => boolean {
  const regex = /^\/(.+)\/([i]*)$/.exec(pattern);
  if (regex) {
    try {
      const re = new RegExp(regex[1]!, regex[2]);
      return (name) => re.test(name);
    } catch (err) {
      throw new UsageError(`invalid regular expression ${pattern}: ${(err as Error).message}`);
    }
  }
  if (/[*?[]/.test(pattern)) {
    const re = new RegExp(`^${globToRegex(pattern)}$`);
    return (name) => re.test(name);
  }
  return (name) => name === pattern;
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        out += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}
