import {redactText} from '../../config/secrets.js';
/**
 * The root cause of a failed connector or task, from Kafka Connect's Java stack trace: the deepest
 * "Caused by:" line (or the first line), without the `at …` frames an operator does not need.
 */
export function rootCause(trace: string | undefined): string | undefined {
  if (!trace) return undefined;
  const lines = trace.split('\n').map((l) => l.trim());
  const causes = lines.filter((l) => l.startsWith('Caused by: '));
  const line = (causes.at(-1)?.slice('Caused by: '.length) ?? lines[0] ?? '').trim();
  return line.length > 400 ? `${line.slice(0, 397)}...` : line;
}

/**
 * What a few well-known failures mean, for causes whose words do not say it (e.g. Hibernate hides
 * the JDBC driver's "password authentication failed" behind a dialect error).
 */
const KNOWN_CAUSES: Array<[RegExp, string]> = [
  [
    /Unable to determine Dialect without JDBC metadata/,
    'the JDBC sink could not connect to its database: check connection.url, the credentials, and that the database is reachable from the worker',
  ],
  [/password authentication failed|Access denied for user/i, 'the database rejected the credentials'],
  [
    /Could not find table|relation ".*" does not exist/,
    'the target table is missing: create it, or set schema.evolution=basic (and check collection.name.format)',
  ],
  [
    /replication slot ".*" (already exists|is active)/,
    'another connector or client holds the replication slot (slot.name)',
  ],
  [/Connection refused/, 'a database or broker is unreachable from the worker'],
  [/Topic .* not present in metadata/, 'the topic does not exist and cannot be auto-created'],
];

export function explainCause(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  return KNOWN_CAUSES.find(([re]) => re.test(cause))?.[1];
}

/** The root cause followed by what it likely means, when cdcctl knows. */
export function describeFailure(trace: string | undefined): string | undefined {
  const raw = rootCause(trace);
  // a driver's message may carry the connection URL (and its password)
  const cause = raw === undefined ? undefined : redactText(raw);
  const meaning = explainCause(cause);
  return meaning ? `${cause} (likely: ${meaning})` : cause;
}
