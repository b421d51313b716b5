/**
 * Test-only driver: runs `gdpr erase` in-process and SIGKILLs itself right after the given step's
 * intent or completion is durable in the journal. The CLI never sets these hooks.
 * Usage: node --import tsx gdpr-crash-child.ts <subject> <request-id> <intent|done> <step>
 */
import {erase, restore} from '../../src/services/gdpr/requests.js';
import {childContext} from './child-context.js';

const [subject = '', requestId = '', phase = '', step = '', mode = 'erase'] = process.argv.slice(2);
const ctx = await childContext();
const kill = (s: string) => {
  if (s === step) process.kill(process.pid, 'SIGKILL');
};
const hooks = {afterIntent: phase === 'intent' ? kill : undefined, afterDone: phase === 'done' ? kill : undefined};
if (mode === 'restore') await restore(ctx, requestId, {hooks});
else await erase(ctx, {subject, requestId, toolVersion: 'test', hooks});
process.exit(0);
