/**
 * Test-only driver: runs `dlq sync` in-process and SIGKILLs itself at the n-th batch, either
 * `before-store` (while the batch is in hand: after a pause long enough for its offsets to be
 * committed, were they committed early, and for the next batch to be fetched) or `after-store`
 * (stored, offsets not yet committed). The CLI never sets these hooks.
 * Usage: node --import tsx dlq-sync-crash-child.ts <topic> <group> <n> <before-store|after-store>
 */
import {setTimeout as sleep} from 'node:timers/promises';
import {syncDlq} from '../../src/services/dlq/sync.js';
import {childContext} from './child-context.js';

const [topic = '', group = '', n = '', mode = ''] = process.argv.slice(2);
const ctx = await childContext();
let stored = 0;
await syncDlq(ctx, {
  topics: [topic],
  group,
  beforeStore: async (batch) => {
    if (mode === 'before-store' && batch >= Number(n)) {
      await sleep(1500);
      process.kill(process.pid, 'SIGKILL');
    }
  },
  onProgress: () => {
    if (mode === 'after-store' && ++stored >= Number(n)) process.kill(process.pid, 'SIGKILL');
  },
});
process.exit(0);
