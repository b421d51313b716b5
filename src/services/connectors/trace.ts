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
