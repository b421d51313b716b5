/**
 * Test-only driver: runs `dlq replay` in-process and SIGKILLs itself right after the n-th
 * acknowledged send, before that send is confirmed in the store (the replay's `afterSend` hook).
 * The CLI never sets this hook.
 * Usage: node --import tsx dlq-crash-child.ts <connector> <run-id> <batch-size> <crash-after-sends>
 */
import {selectContext} from '../../src/config/context.js';
import {loadConfig} from '../../src/config/load.js';
import {createLogger} from '../../src/output/log.js';
import {planReplay, runReplay} from '../../src/services/dlq/replay.js';

const [connector = '', runId = '', batchSize = '', crashAfter = ''] = process.argv.slice(2);
const entry = selectContext(await loadConfig());
const ctx = {
  contextName: entry.name,
  config: entry.config,
  log: createLogger({format: 'text', verbose: false, quiet: true}),
  userAgent: 'cdcctl-test',
  actor: 'test@crash',
};
const req = {filter: {connector}, runId, force: false, batchSize: Number(batchSize)};
const plan = await planReplay(ctx, req);
let sends = 0;
await runReplay(ctx, plan, req, {
  afterSend: () => {
    if (++sends >= Number(crashAfter)) process.kill(process.pid, 'SIGKILL');
  },
});
process.exit(0);
