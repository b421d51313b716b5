import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {repoRoot} from '../helpers.js';

/**
 * The --ha stack's processes for the fault tests: the pid of a service (its pidfile), a SIGKILL, a
 * start (stack.sh start: waits until it is ready), and Cassandra's own nodetool against a ring node.
 */
export const STACK = process.env.STACK_DIR ?? join(repoRoot, '.stack');
const stackSh = join(repoRoot, 'examples/stack/stack.sh');
const stackEnv = () => ({...process.env, STACK_DIR: STACK});

export const pidOf = (svc: string): number => Number(readFileSync(join(STACK, 'run', `${svc}.pid`), 'utf8').trim());

/** SIGKILL to the service's process: no shutdown of any kind. Its pid. */
export function killService(svc: string): number {
  const pid = pidOf(svc);
  process.kill(pid, 'SIGKILL');
  return pid;
}

export function startService(svc: string): void {
  execFileSync('bash', [stackSh, 'start', svc], {stdio: 'ignore', env: stackEnv()});
}

/** `nodetool <args>` against ring node n (1–3), its output. */
export function nodetool(n: 1 | 2 | 3, ...args: string[]): string {
  return execFileSync('bash', [stackSh, 'nodetool', String(n), ...args], {encoding: 'utf8', env: stackEnv()});
}

/** `nodetool status` as address → "UN"/"DN"/… (the ring as the node's gossip sees it). */
export function ringStatus(n: 1 | 2 | 3 = 1): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of nodetool(n, 'status').matchAll(/^([UD][NLJM])\s+(\d+\.\d+\.\d+\.\d+)/gm))
    out.set(m[2] as string, m[1] as string);
  return out;
}
