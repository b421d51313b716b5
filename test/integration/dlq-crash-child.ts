/**
 * Test-only driver: runs `dlq replay` in-process and SIGKILLs itself right after the n-th
 * acknowledged send, before that send is confirmed in the store (the replay's `afterSend` hook).
 * The CLI never sets this hook.
 * Usage: node --import tsx dlq-crash-child.ts <connector> <run-id> <batch-size> <crash-after-sends>
 */
import {planReplay, runReplay} from '../../src/services/dlq/replay.js';
import {childContext} from './child-context.js';

const [connector = '', runId = '', batchSize = '', crashAfter = ''] = process.argv.slice(2);
const ctx = await childContext();
const req = {filter: {connector}, runId, force: false, batchSize: Number(batchSize)};
const plan = await planReplay(ctx, req);
let sends = 0;
await runReplay(ctx, plan, req, {
  afterSend: () => {
    if (++sends >= Number(crashAfter)) process.kill(process.pid, 'SIGKILL');
  },
});
process.exit(0);
