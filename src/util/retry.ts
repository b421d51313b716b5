/**
 * Calls `fn` again while it fails with an error `retriable` accepts, for up to `forMs` from the first
 * call, waiting `firstDelayMs` doubled at each attempt (at most `maxDelayMs`) in between; the last error
 * is thrown. `onRetry` hears of the first failure that is retried (to say once that work is waiting).
 * The one retry loop behind PostgreSQL's transient errors and Kafka's failovers.
 */
export async function retryWhile<T>(
  fn: (attempt: number) => Promise<T>,
  opts: {
    retriable: (err: unknown) => boolean;
    forMs: number;
    firstDelayMs: number;
    maxDelayMs: number;
    onRetry?: (err: unknown) => void;
  },
): Promise<T> {
  const deadline = Date.now() + opts.forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!opts.retriable(err) || Date.now() >= deadline) throw err;
      if (attempt === 0) opts.onRetry?.(err);
      await new Promise((r) => setTimeout(r, Math.min(opts.firstDelayMs * 2 ** attempt, opts.maxDelayMs)));
    }
  }
}
