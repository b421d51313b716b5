import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {repoRoot, tempDir} from '../helpers.js';
import {connectRaw, requireStack, sql} from './stack.js';

/**
 * Every example of every command's `--help`, run as printed (through bash, with the built CLI as
 * `cdcctl` on PATH, from a directory that looks like the repository root) against the demo state that
 * `npm run demo` leaves: examples/demo-setup.sh with examples/config/local.yaml. Each must exit 0, or 3
 * (a valid "not OK" answer). Data-driven from oclif.manifest.json, so a new or changed example is
 * covered without touching this file.
 *
 * Order: reading examples first (four at a time: they change nothing), then mutating ones that are dry
 * runs, then the mutating ones that act (a prompt without --yes is answered "y" in a pseudo-terminal, as a
 * user would); afterwards the demo state is restored (connectors, loggers, silences, registry compatibility). The store lives in
 * a schema of its own; the demo connectors are shared with other tests, so they are put back running.
 */

interface Example {
  id: string;
  text: string;
  mutating: boolean;
}

/**
 * Examples that cannot run against the demo state, each with the reason. Keep it short: an example
 * is documentation, and one a user cannot run as printed should be changed instead.
 */
const NEEDS_MORE_THAN_THE_DEMO: Array<[RegExp, string]> = [
  [/--context prod\b/, 'a second ("prod") context: the demo config has one, local'],
  [/^cdcctl config (use-context prod|delete-context staging)$/, 'a second context to switch to or delete'],
  [/\$CI_JOB_JWT|\$JOB_COMPLETION_INDEX/, 'variables of a CI job / Kubernetes indexed job'],
  [/^curl /, 'a client of a running `events sse` server'],
  [/^(EDITOR=\S+ )?cdcctl connectors edit /, 'an interactive editor in a terminal'],
  [/…/, 'a placeholder id for the reader to fill in'],
  [/--resume rc-20260101-030000-a1b2c3/, 'an interrupted run to resume'],
  [/^cdcctl schemas show --id \d+/, "a global schema id of the reader's registry (the registry assigns them)"],
];

/** Commands that follow a stream (or serve) until interrupted: run, then Ctrl-C after a few seconds (exit 0 or 130). */
const FOLLOWS = (text: string) =>
  /^cdcctl events (tail|sse)\b|^cdcctl metrics dashboard .*--watch|^cdcctl webhooks serve\b/.test(text);

const id = `${process.pid}_${Date.now().toString(36)}`;
const work = tempDir('cdcctl-examples-');
const binDir = join(work, '.bin');
const stackDir = join(work, '.stack');
const env: Record<string, string> = {
  PATH: `${binDir}:${process.env.PATH}`,
  HOME: work,
  XDG_CONFIG_HOME: join(work, '.config'),
  XDG_CACHE_HOME: join(work, '.cache'),
  NO_COLOR: '1',
  STACK_DIR: stackDir,
  CDC_PG_PASSWORD: 'cdc',
  CDC_GDPR_BACKUP_KEY: randomBytes(32).toString('hex'),
  CDC_GDPR_REPORT_KEY: randomBytes(24).toString('hex'),
  CDC_GDPR_SIGNING_KEY: randomBytes(24).toString('hex'),
  CDCCTL_CONFIG: join(work, 'config.yaml'),
};
/** The demo config, the store in a schema of this test's own. */
const demoConfig = readFileSync(join(repoRoot, 'examples/config/local.yaml'), 'utf8').replace(
  'password: "${env:CDC_PG_PASSWORD}"',
  `password: "\${env:CDC_PG_PASSWORD}", opsSchema: cdc_ops_examples_${id}`,
);

function examples(): Example[] {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, {examples?: Array<string | {command: string}>; mutating?: boolean}>;
  };
  return Object.entries(manifest.commands).flatMap(([cid, c]) =>
    (c.examples ?? []).map((e) => ({
      id: cid,
      text: (typeof e === 'string' ? e : e.command)
        .replaceAll('<%= config.bin %>', 'cdcctl')
        .replaceAll('<%= command.id %>', cid.replaceAll(':', ' ')),
      mutating: c.mutating === true,
    })),
  );
}

/**
 * Reading examples first, then dry runs, then the acting ones; the undoing ones (delete, restore, rollback,
 * stop, reset …) after those, and deleting a demo connector last of all.
 */
function rank(e: Example): number {
  if (!e.mutating) return 0;
  if (/--dry-run\b/.test(e.text)) return 1;
  if (e.id === 'connectors:delete') return 4;
  if (/:(delete|purge|discard|restore|rollback|stop|reset)$|^pipeline:pause-all$/.test(e.id)) return 3;
  return 2;
}

function order(list: Example[]): Example[] {
  return [...list].sort((a, b) => rank(a) - rank(b));
}

const skipReason = (text: string) => NEEDS_MORE_THAN_THE_DEMO.find(([re]) => re.test(text))?.[1];

interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one example through bash as a user would type it; in a pseudo-terminal answering "y" when `tty`.
 * Every example starts from the demo config (one that switches or adds contexts does not leak into the next);
 * `shared`: the config is already written and is not changed by anyone while this runs (reading examples, run
 * side by side).
 */
function run(text: string, opts: {tty?: boolean; follow?: boolean; shared?: boolean} = {}): Promise<Ran> {
  if (!opts.shared) writeDemoConfig();
  const script = opts.follow ? `timeout -s INT 6 bash -c ${shellQuote(text)}` : text;
  const [cmd, args] = opts.tty
    ? ['script', ['-qefc', `bash -c ${shellQuote(script)}`, '/dev/null']]
    : ['bash', ['-c', script]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {cwd: work, env, timeout: 180_000, stdio: ['pipe', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdin.end(opts.tty ? 'y\n' : '');
    child.on('close', (status, signal) => resolve({status, signal, stdout, stderr}));
  });
}

function writeDemoConfig(): void {
  writeFileSync(env.CDCCTL_CONFIG as string, demoConfig);
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

async function setUp(): Promise<void> {
  mkdirSync(binDir, {recursive: true});
  symlinkSync(join(repoRoot, 'bin', 'cdcctl'), join(binDir, 'cdcctl'));
  symlinkSync(join(repoRoot, 'examples'), join(work, 'examples'));
  const r = await run('DEMO_ROWS=1000 bash examples/demo-setup.sh');
  assert.equal(r.status, 0, `examples/demo-setup.sh failed (${r.signal ?? r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** Puts back what the acting examples changed in the shared demo state. */
async function restore(compatibility: string | undefined): Promise<void> {
  await run(
    'cdcctl connectors apply -f examples/connectors/ && cdcctl connectors resume "inventory-*" cassandra-sink orders-sink --wait',
  );
  await run(
    'cdcctl connectors loggers set io.debezium.connector.jdbc INFO && cdcctl connectors loggers set root INFO --scope cluster',
  );
  const silences = (await (await fetch('http://127.0.0.1:9093/api/v2/silences')).json()) as Array<{
    id: string;
    comment: string;
    status: {state: string};
  }>;
  for (const s of silences)
    if (s.status.state === 'active' && /^(planned maintenance|noisy during backfill)$/.test(s.comment))
      await fetch(`http://127.0.0.1:9093/api/v2/silence/${s.id}`, {method: 'DELETE'});
  await fetch('http://127.0.0.1:8080/apis/ccompat/v7/mode/orders-value', {method: 'DELETE'});
  // this run's store, and with it the erasure fence an example installed on demo.accounts (its trigger calls the store's function)
  await sql('target', `DROP SCHEMA IF EXISTS cdc_ops_examples_${id} CASCADE`);
  if (compatibility)
    await fetch('http://127.0.0.1:8080/apis/ccompat/v7/config', {
      method: 'PUT',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({compatibility}),
    });
}

async function runExample(text: string, shared = false): Promise<{ok: boolean; failure: string}> {
  const follow = FOLLOWS(text);
  let r = await run(text, {follow, shared});
  // a destructive example without --yes asks first; a user at a terminal answers it
  if (r.status === 2 && /without confirmation/.test(r.stderr)) r = await run(text, {tty: true, follow, shared});
  const ok = follow ? [0, 3, 130, 124] : [0, 3];
  const failure = `exit ${r.status ?? r.signal} (expected ${ok.join(' or ')}):\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-1000)}`;
  return {ok: ok.includes(r.status ?? -1), failure};
}

/** Reading examples run this many at a time (each is mostly a wait on a service or a 6 s follow). */
const READERS = 4;

async function inParallel<T>(width: number, items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({length: Math.min(width, items.length)}, worker));
}

const results = new Map<string, {ok: boolean; failure: string}>();
let retried = false;
let skip: string | undefined;
let compatibility: string | undefined;

describe('every --help example runs as printed against the demo state', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    compatibility = (
      (await (await fetch('http://127.0.0.1:8080/apis/ccompat/v7/config')).json()) as {compatibilityLevel?: string}
    ).compatibilityLevel;
    await setUp();
    // a reader follows the help in order: an example may need what a later one creates (`gdpr status` of the
    // request an erase example makes), so after the acting examples, and again at the end, what failed is run
    // once more
    const pending = order(examples()).filter((e) => !skipReason(e.text));
    const retry = async () => {
      for (const [text, r] of results) if (!r.ok) results.set(text, await runExample(text));
    };
    // the reading examples change nothing: they run side by side, on one copy of the demo config
    writeDemoConfig();
    const reading = pending.filter((e) => rank(e) === 0);
    await inParallel(READERS, reading, async (e) => {
      results.set(e.text, await runExample(e.text, true));
    });
    for (const e of pending.filter((x) => rank(x) > 0)) {
      if (rank(e) === 3 && !retried) {
        await retry();
        retried = true;
      }
      results.set(e.text, await runExample(e.text));
    }
    await retry();
  });
  after(async () => {
    if (!skip) await restore(compatibility);
  });

  it('reads every example from the manifest', () => {
    const all = examples();
    assert.ok(all.length > 150, `only ${all.length} examples in oclif.manifest.json`);
  });

  for (const e of order(examples())) {
    const reason = skipReason(e.text);
    it(e.text, (t) => {
      if (skip) return t.skip(skip);
      if (reason) return t.skip(`needs ${reason}`);
      const r = results.get(e.text);
      assert.ok(r, 'not run');
      assert.ok(r.ok, r.failure);
    });
  }

  it('leaves the demo connectors running', async (t) => {
    if (skip) return t.skip(skip);
    await restore(compatibility);
    for (const name of ['inventory-source', 'inventory-sink', 'cassandra-sink', 'orders-sink']) {
      const s = (await connectRaw('GET', `/connectors/${name}/status`)).body as {connector: {state: string}};
      assert.equal(s.connector.state, 'RUNNING', name);
    }
  });
});
