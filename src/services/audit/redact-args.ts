import {isSecretKey, REDACTED, redactText, redactValue} from '../../config/secrets.js';

/** Flags whose values are personal data (a GDPR subject id): kept in a record only as `rewrite(value)`. */
export interface PersonalFlags {
  flags: readonly string[];
  rewrite: (value: string) => string;
}

/**
 * The command line as it goes into an audit record: values of secret-looking flags
 * (`--password x`, `--token=x`) are masked, values of personal flags rewritten (pseudonymised),
 * `key=value` pairs (`--set connection.password=x`) go through the one value redactor, and any
 * other argument loses URL passwords and every secret value resolved in this process.
 */
export function redactArgv(argv: string[], personal?: PersonalFlags): string[] {
  const out: string[] = [];
  let rewriteNext: ((value: string) => string) | undefined;
  for (const arg of argv) {
    if (rewriteNext) {
      out.push(rewriteNext(arg));
      rewriteNext = undefined;
      continue;
    }
    const flag = /^--?([A-Za-z][\w.-]*)(=(.*))?$/s.exec(arg);
    if (!flag) {
      out.push(redactArgument(arg));
      continue;
    }
    const name = flag[1]!;
    const rewrite = isSecretKey(name) ? () => REDACTED : personal?.flags.includes(name) ? personal.rewrite : undefined;
    if (flag[2] === undefined) {
      out.push(arg);
      rewriteNext = rewrite;
    } else out.push(`--${name}=${rewrite ? rewrite(flag[3] ?? '') : redactArgument(flag[3] ?? '')}`);
  }
  return out;
}

/** The values of the personal flags on a command line (to keep them out of a recorded error message too). */
export function personalValues(argv: string[], personal: PersonalFlags | undefined): string[] {
  if (!personal) return [];
  const values: string[] = [];
  argv.forEach((arg, i) => {
    const flag = /^--?([A-Za-z][\w.-]*)(=(.*))?$/s.exec(arg);
    if (!flag || !personal.flags.includes(flag[1]!)) return;
    const value = flag[2] === undefined ? argv[i + 1] : flag[3];
    if (value) values.push(value);
  });
  return values;
}

function redactArgument(value: string): string {
  const pair = /^([^=\s]+)=(.*)$/s.exec(value);
  if (pair && !pair[1]!.startsWith('-')) return `${pair[1]}=${redactValue(pair[1]!, pair[2]!)}`;
  return redactText(value);
}
