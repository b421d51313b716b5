import {redactText, redactTextDeep} from './config/secrets.js';

/**
 * Logs go to stderr, one line each: plain text for people, or JSON objects (`--log-format json`)
 * for log collectors. stdout stays for data.
 */
export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(options: {format: LogFormat; verbose: boolean; quiet?: boolean}): Logger {
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (level === 'debug' && !options.verbose) return;
    if (options.quiet && (level === 'info' || level === 'debug')) return;
    const text = redactText(message);
    if (options.format === 'json') {
      process.stderr.write(
        `${JSON.stringify({time: new Date().toISOString(), level, message: text, ...redactTextDeep(fields)})}\n`,
      );
      return;
    }
    const prefix = level === 'warn' ? 'Warning: ' : level === 'error' ? 'Error: ' : '';
    process.stderr.write(`${prefix}${text}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
