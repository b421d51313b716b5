import {claimBatch, confirmBatch} from '../../src/store/dlq-records.js';
import type {Store} from '../../src/store/index.js';

/** The value of DLQ record i in the benchmarks: a small JSON-with-schema Connect record (~200 bytes). */
export const dlqValue = (i: number): string =>
  JSON.stringify({
    schema: {
      type: 'struct',
      fields: [
        {field: 'id', type: 'int32'},
        {field: 'status', type: 'string'},
      ],
    },
    payload: {id: i, status: `status-${i % 7}`, note: 'x'.repeat(80)},
  });

/**
 * dlq replay's journal without Kafka: claims the connector's records in keyset batches and confirms
 * each batch, as the replay loop does. Returns how many were journalled and the time spent claiming.
 */
export async function journalAll(
  store: Store,
  run: string,
  connector: string,
  force: boolean,
  batch: number,
): Promise<{journalled: number; claimMs: number}> {
  let claimMs = 0;
  let journalled = 0;
  for (let cursor = '0'; ; ) {
    const c0 = process.hrtime.bigint();
    const rows = await claimBatch(store, run, {connector}, force, batch, cursor);
    claimMs += Number(process.hrtime.bigint() - c0) / 1e6;
    if (!rows.length) break;
    cursor = rows.at(-1)?.id ?? cursor;
    await confirmBatch(
      store,
      run,
      rows.map((r) => r.id),
      {},
    );
    journalled += rows.length;
  }
  return {journalled, claimMs};
}
