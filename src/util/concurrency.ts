/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the input order in the
 * results. Every item gets a result: a failure never stops the others (bulk operations report per
 * target).
 */
export type Settled<R> = {ok: true; value: R} | {ok: false; error: unknown};

export async function mapSettled<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<Settled<R>[]> {
  const results = new Array<Settled<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = {ok: true, value: await fn(items[i]!, i)};
      } catch (error) {
        results[i] = {ok: false, error};
      }
    }
  };
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker));
  return results;
}

/** mapSettled for work that fails as a whole: every call settles, then the first failure (in input order) is thrown. */
export async function mapAll<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = await mapSettled(items, limit, fn);
  return results.map((r) => {
    if (!r.ok) throw r.error;
    return r.value;
  });
}

/**
 * For a promise started now and awaited later (prefetching the next page while this one is worked
 * on): marks it handled, so that a rejection before the await is not an unhandled rejection — which
 * ends the process with a raw stack trace — while the await still throws it.
 */
export function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
