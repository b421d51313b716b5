/**
 * Test-only driver: runs `gdpr erase` in-process and SIGKILLs itself right after the given step's
 * intent or completion is durable in the journal. The CLI never sets these hooks.
 * Usage: node --import tsx gdpr-crash-child.ts <subject> <request-id> <intent|done> <step>
 */
import {selectContext} from '../../src/config/context.js';
import {loadConfig} from '../../src/config/load.js';
import {createLogger} from '../../src/output/log.js';
import {erase, restore} from '../../src/services/gdpr/saga.js';

const [subject = '', requestId = '', phase = '', step = '', mode = 'erase'] = process.argv.slice(2);
const entry = selectContext(await loadConfig());
const ctx = {
  contextName: entry.name,
  config: entry.config,
  log: createLogger({format: 'text', verbose: false, quiet: true}),
  userAgent: 'cdcctl-test',
  actor: 'test@crash',
};
const kill = (s: string) => {
  if (s === step) process.kill(process.pid, 'SIGKILL');
};
const hooks = {afterIntent: phase === 'intent' ? kill : undefined, afterDone: phase === 'done' ? kill : undefined};
if (mode === 'restore') await restore(ctx, requestId, {hooks});
else await erase(ctx, {subject, requestId, toolVersion: 'test', hooks});
process.exit(0);
