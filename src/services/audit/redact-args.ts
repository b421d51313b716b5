import {isSecretKey, REDACTED, redactUrl, scrubKnownSecrets} from '../../config/secrets.js';

/**
 * The command line as it goes into an audit record: values of secret-looking flags
 * (`--password x`, `--token=x`), secret keys in `key=value` pairs (`--set connection.password=x`),
 * passwords in URLs and every secret value resolved in this process are replaced by ********.
 */
export function redactArgv(argv: string[]): string[] {
  const out: string[] = [];
  let maskNext = false;
  for (const arg of argv) {
    if (maskNext) {
      out.push(REDACTED);
      maskNext = false;
      continue;
    }
    const flag = /^--?([A-Za-z][\w.-]*)(=(.*))?$/s.exec(arg);
    if (flag && isSecretKey(flag[1]!)) {
      if (flag[2] === undefined) {
        out.push(arg);
        maskNext = true;
      } else out.push(`--${flag[1]}=${REDACTED}`);
      continue;
    }
    out.push(redactValue(flag?.[2] ? `--${flag[1]}=${redactValue(flag[3] ?? '')}` : arg));
  }
  return out;
}

function redactValue(value: string): string {
  const pair = /^([^=\s]+)=(.*)$/s.exec(value);
  if (pair && !pair[1]!.startsWith('-') && isSecretKey(pair[1]!) && !/^\$\{(env|file):[^}]*\}$/.test(pair[2]!))
    return `${pair[1]}=${REDACTED}`;
  return scrubKnownSecrets(value.replace(/[a-z][a-z0-9+.-]*:\/\/[^/@:\s]+:[^/@\s]*@/gi, (url) => redactUrl(url)));
}
