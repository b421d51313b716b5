import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {eventually, json, runCli, tempDir} from '../helpers.js';
import {CONNECT_URL, connectRaw, deleteConnectors, env, fileSourceConfig, requireStack, sql} from './stack.js';

/**
 * Connector operations against the real Kafka Connect worker, with FileStream connectors (cheap,
 * deterministic) and a Debezium JDBC sink made to fail on purpose.
 */

const prefix = `it-ctl-${process.pid}`;
const names = [1, 2, 3].map((i) => `${prefix}-fs-${i}`);
const dir = tempDir();
const input = join(dir, 'input.txt');
const defs = join(dir, 'defs');
let skip: string | undefined;

function fileSource(name: string, extra: Record<string, string> = {}) {
  return {
    name,
    config: fileSourceConfig(input, `${prefix}-topic`, extra),
  };
}

async function state(name: string): Promise<string | undefined> {
  const r = await connectRaw('GET', `/connectors/${name}/status`);
  return r.status === 200 ? (r.body as {connector: {state: string}}).connector.state : undefined;
}

describe('connectors and pipeline control (real Kafka Connect)', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    writeFileSync(input, 'line one\nline two\n');
    mkdirSync(defs);
    for (const n of names) writeFileSync(join(defs, `${n}.json`), JSON.stringify(fileSource(n)));
    const r = await runCli(['connectors', 'apply', '-f', defs], {env});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await eventually(async () => (await Promise.all(names.map(state))).every((s) => s === 'RUNNING'), 60_000);
  });
  after(async () => {
    if (!skip) await deleteConnectors([...names, `${prefix}-pruned`]);
  });

  it('pauses and resumes by glob with --wait, one result per connector', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['connectors', 'pause', `${prefix}-fs-*`, '--wait', '--json'], {env});
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const results = json<Array<{name: string; outcome: string; after: string}>>(r);
    assert.deepEqual(
      results.map((x) => x.name),
      names,
    );
    for (const x of results) {
      assert.equal(x.outcome, 'done');
      assert.match(x.after, /^PAUSED/);
    }
    const back = await runCli(['connectors', 'resume', `/^${prefix}-fs-[12]$/`, '--wait', '--json'], {env});
    assert.equal(back.code, 0, back.stderr);
    assert.equal(await state(names[0]!), 'RUNNING');
    assert.equal(await state(names[2]!), 'PAUSED');
    await runCli(['connectors', 'resume', names[2]!, '--wait'], {env});
  });

  it('an unknown name is a usage error before anything changes', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['connectors', 'pause', names[0]!, 'no-such-connector'], {env});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no such connector: no-such-connector/);
    assert.equal(await state(names[0]!), 'RUNNING');
  });

  it('stops a connector (no tasks) and --wait reports a state it cannot reach with exit 3', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['connectors', 'stop', names[1]!, '--wait', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<Array<{after: string}>>(r)[0]?.after, 'STOPPED');
    // Resuming with a zero wait cannot see RUNNING tasks yet: the command says where it is stuck.
    const quick = await runCli(['connectors', 'resume', names[1]!, '--wait', '--wait-timeout', '1ms', '--json'], {env});
    if (quick.code === 3)
      assert.match(
        json<Array<{message: string}>>(quick)[0]?.message ?? '',
        /did not reach RUNNING within 1 ms; stuck in/,
      );
    else assert.equal(quick.code, 0);
    await eventually(async () => (await state(names[1]!)) === 'RUNNING', 30_000);
  });

  it('patches with PATCH, validates first, shows the diff, and supports --dry-run', async (t) => {
    if (skip) return t.skip(skip);
    const dry = await runCli(['connectors', 'patch', names[0]!, '--set', 'batch.size=7', '--dry-run'], {env});
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /\+ batch\.size: 7/);
    let live = (await connectRaw('GET', `/connectors/${names[0]}/config`)).body as Record<string, string>;
    assert.equal(live['batch.size'], undefined);
    const r = await runCli(['connectors', 'patch', names[0]!, '--set', 'batch.size=7'], {env});
    assert.equal(r.code, 0, r.stderr + r.stdout);
    live = (await connectRaw('GET', `/connectors/${names[0]}/config`)).body as Record<string, string>;
    assert.equal(live['batch.size'], '7');
    const un = await runCli(['connectors', 'patch', names[0]!, '--unset', 'batch.size', '--json'], {env});
    assert.equal(un.code, 0);
    assert.deepEqual(json<Array<{changes: unknown[]}>>(un)[0]?.changes, [
      {key: 'batch.size', change: 'removed', before: '7'},
    ]);
    const bad = await runCli(['connectors', 'patch', names[0]!, '--set', 'tasks.max=zero'], {env});
    assert.equal(bad.code, 2, bad.stdout);
    assert.match(bad.stdout, /! tasks\.max: /);
  });

  it('describes a connector: config, tasks with workers, topics and offsets', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['connectors', 'describe', names[0]!, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const [d] =
      json<
        Array<{
          connectorClass: string;
          pluginVersion: string;
          tasks: Array<{workerId: string}>;
          config: Record<string, string>;
          offsets: {partitions: number};
        }>
      >(r);
    assert.equal(d?.connectorClass, 'org.apache.kafka.connect.file.FileStreamSourceConnector');
    assert.match(d?.pluginVersion ?? '', /^4\./);
    assert.equal(d?.tasks[0]?.workerId, '127.0.0.1:8083');
    assert.equal(d?.config.file, input);
    const text = await runCli(['connectors', 'describe', names[0]!], {env});
    assert.match(text.stdout, /Topics: /);
  });

  it('resets a source connector’s offsets as one guarded workflow and returns it to RUNNING', async (t) => {
    if (skip) return t.skip(skip);
    await eventually(
      async () =>
        ((await connectRaw('GET', `/connectors/${names[2]}/offsets`)).body as {offsets: unknown[]}).offsets.length > 0,
      30_000,
    );
    const backup = join(dir, 'backup.json');
    const noTty = await runCli(['connectors', 'offsets', 'reset', names[2]!, '--backup', backup], {env});
    assert.equal(noTty.code, 2, 'no terminal and no --yes: refused');
    assert.match(noTty.stderr, /pass --yes/);
    const r = await runCli(['connectors', 'offsets', 'reset', names[2]!, '--backup', backup, '--yes', '--json'], {env});
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const result = json<{previousState: string; steps: Array<{step: string; ok: boolean}>}>(r);
    assert.equal(result.previousState, 'RUNNING');
    assert.deepEqual(
      result.steps.map((s) => [s.step, s.ok]),
      [
        ['backup', true],
        ['stop', true],
        ['reset', true],
        ['verify', true],
        ['restore-state', true],
      ],
    );
    const saved = JSON.parse(readFileSync(backup, 'utf8')) as {offsets: unknown[]};
    assert.ok(saved.offsets.length > 0, 'the backup holds the offsets from before');
    assert.equal(await state(names[2]!), 'RUNNING');

    // And set them back from the backup.
    const set = await runCli(
      ['connectors', 'offsets', 'set', names[2]!, '-f', backup, '--backup', join(dir, 'b2.json'), '--yes', '--json'],
      {env},
    );
    assert.equal(set.code, 0, set.stderr + set.stdout);
    assert.ok(json<{steps: Array<{step: string; ok: boolean}>}>(set).steps.every((s) => s.ok));
  });

  it('pause-all remembers what it paused; resume-all resumes only that', async (t) => {
    if (skip) return t.skip(skip);
    // An operator pauses fs-3 on purpose first.
    await runCli(['connectors', 'pause', names[2]!, '--wait'], {env});
    const sel = ['--selector', `${prefix}-*`];
    const refused = await runCli(['pipeline', 'pause-all', ...sel], {env});
    assert.equal(refused.code, 2, 'no terminal and no --yes: refused');
    const dry = await runCli(['pipeline', 'pause-all', ...sel, '--dry-run', '--json'], {env});
    assert.equal(dry.code, 0);
    assert.ok(json<{results: Array<{outcome: string}>}>(dry).results.every((x) => x.outcome === 'skipped'));
    assert.equal(await state(names[0]!), 'RUNNING', 'dry run changed nothing');

    const p = await runCli(['pipeline', 'pause-all', ...sel, '--yes', '--wait', '--json'], {env});
    assert.equal(p.code, 0, p.stderr + p.stdout);
    const paused = json<{results: Array<{name: string}>; skipped: Array<{name: string}>}>(p);
    assert.deepEqual(paused.results.map((x) => x.name).sort(), [names[0], names[1]]);
    assert.deepEqual(
      paused.skipped.map((x) => x.name),
      [names[2]],
    );
    const rows = await sql(
      'target',
      'SELECT connector FROM cdc_ops.pipeline_paused WHERE connector LIKE $1 ORDER BY 1',
      [`${prefix}-%`],
    );
    assert.deepEqual(
      rows.map((x) => x.connector),
      [names[0], names[1]],
    );

    const r = await runCli(['pipeline', 'resume-all', ...sel, '--yes', '--wait', '--json'], {env});
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(await state(names[0]!), 'RUNNING');
    assert.equal(await state(names[1]!), 'RUNNING');
    assert.equal(await state(names[2]!), 'PAUSED', 'the connector paused on purpose stays paused');

    const all = await runCli(['pipeline', 'resume-all', ...sel, '--all', '--yes', '--wait'], {env});
    assert.equal(all.code, 0, all.stderr);
    assert.equal(await state(names[2]!), 'RUNNING');
  });

  it('lists plugins and loggers and sets a logger level', async (t) => {
    if (skip) return t.skip(skip);
    const plugins = json<Array<{class: string}>>(
      await runCli(['connectors', 'plugins', 'list', '--type', 'sink', '--json'], {env}),
    );
    assert.ok(plugins.some((p) => p.class === 'io.debezium.connector.jdbc.JdbcSinkConnector'));
    const defs = json<Array<{name: string}>>(
      await runCli(
        [
          'connectors',
          'plugins',
          'describe',
          'io.debezium.connector.jdbc.JdbcSinkConnector',
          '--search',
          '^insert\\.mode$',
          '--json',
        ],
        {env},
      ),
    );
    assert.deepEqual(
      defs.map((d) => d.name),
      ['insert.mode'],
    );
    const set = await runCli(['connectors', 'loggers', 'set', 'org.apache.kafka.connect.file', 'DEBUG'], {env});
    assert.equal(set.code, 0, set.stderr);
    const loggers = json<Array<{logger: string; level: string}>>(
      await runCli(['connectors', 'loggers', 'list', '--json'], {env}),
    );
    assert.equal(loggers.find((l) => l.logger === 'org.apache.kafka.connect.file')?.level, 'DEBUG');
    await runCli(['connectors', 'loggers', 'set', 'org.apache.kafka.connect.file', 'INFO'], {env});
  });

  it('loggers set --dry-run: each logger it would reach on each worker, its level now and then; nothing set', async (t) => {
    if (skip) return t.skip(skip);
    type Plan = {
      dryRun: boolean;
      logger: string;
      level: string;
      scope: string;
      workers: Array<{
        worker: string;
        current: string | null;
        loggers: Array<{logger: string; current: string; next: string}>;
      }>;
    };
    const ns = 'org.apache.kafka.connect.file';
    const all = async () =>
      (await connectRaw('GET', '/admin/loggers')).body as Record<string, {level: string; last_modified: number | null}>;
    const before = await all();
    const r = await runCli(['connectors', 'loggers', 'set', ns, 'debug', '--dry-run', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const plan = json<Plan>(r);
    assert.deepEqual([plan.dryRun, plan.logger, plan.level, plan.scope], [true, ns, 'DEBUG', 'worker']);
    assert.equal(plan.workers.length, 1);
    const [w] = plan.workers;
    assert.equal(w?.worker, new URL(CONNECT_URL).host);
    const expected = Object.keys(before)
      .filter((n) => n.startsWith(ns))
      .sort()
      .map((n) => ({logger: n, current: before[n]?.level, next: 'DEBUG', changes: before[n]?.level !== 'DEBUG'}));
    assert.ok(expected.length > 1, 'the namespace and its children');
    assert.deepEqual(w?.loggers, expected);
    assert.equal(w?.current, before[ns]?.level);
    // A logger nobody created yet: inherits root's level, and a dry run does not create it.
    const ghost = json<Plan>(
      await runCli(['connectors', 'loggers', 'set', `cdcctl.dryrun${process.pid}.x`, 'TRACE', '--dry-run', '--json'], {
        env,
      }),
    );
    assert.deepEqual(ghost.workers[0]?.loggers, [
      {logger: `cdcctl.dryrun${process.pid}.x`, current: before.root?.level, next: 'TRACE', changes: true},
    ]);
    const cluster = json<Plan>(
      await runCli(['connectors', 'loggers', 'set', ns, 'WARN', '--scope', 'cluster', '--dry-run', '--json'], {env}),
    );
    assert.deepEqual(
      cluster.workers.map((x) => x.worker),
      [new URL(CONNECT_URL).host],
    );
    const text = await runCli(['connectors', 'loggers', 'set', ns, 'DEBUG', '--dry-run'], {env});
    assert.match(text.stdout, new RegExp(`${ns.replaceAll('.', '\\.')}\\s+INFO\\s+DEBUG`));
    assert.match(text.stdout, /nothing was changed/);
    assert.deepEqual(await all(), before, 'no level and no last-modified time changed');
    // The real change reaches exactly the loggers the plan said would change (Connect lists those).
    const real = await runCli(['connectors', 'loggers', 'set', ns, 'DEBUG', '--json'], {env});
    try {
      assert.equal(real.code, 0, real.stderr);
      assert.deepEqual(
        json<{affected: string[]}>(real).affected,
        expected.filter((l) => l.changes).map((l) => l.logger),
      );
    } finally {
      await runCli(['connectors', 'loggers', 'set', ns, before[ns]?.level ?? 'INFO'], {env});
    }
  });

  it('delete asks first, refuses without a terminal, and deletes with --yes', async (t) => {
    if (skip) return t.skip(skip);
    const extra = `${prefix}-pruned`;
    await connectRaw('PUT', `/connectors/${extra}/config`, fileSource(extra).config);
    const refused = await runCli(['connectors', 'delete', extra], {env});
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /without confirmation/);
    const r = await runCli(['connectors', 'delete', extra, '--yes', '--wait'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await connectRaw('GET', `/connectors/${extra}`)).status, 404);
  });

  it('apply --prune deletes only undeclared connectors within the selector, after showing them', async (t) => {
    if (skip) return t.skip(skip);
    const extra = `${prefix}-pruned`;
    await connectRaw('PUT', `/connectors/${extra}/config`, fileSource(extra).config);
    const dry = await runCli(
      ['connectors', 'apply', '-f', defs, '--prune', '--selector', `${prefix}-*`, '--dry-run', '--json'],
      {env},
    );
    assert.equal(dry.code, 0, dry.stderr + dry.stdout);
    const planned = json<Array<{name: string; action: string}>>(dry).filter((x) => x.action === 'delete');
    assert.deepEqual(
      planned.map((x) => x.name),
      [extra],
      'inventory-* and every other connector outside the selector are left alone',
    );
    assert.equal(await state(extra), 'RUNNING');
    const refused = await runCli(['connectors', 'apply', '-f', defs, '--prune', '--selector', `${prefix}-*`], {env});
    assert.equal(refused.code, 2);
    const r = await runCli(['connectors', 'apply', '-f', defs, '--prune', '--selector', `${prefix}-*`, '--yes'], {env});
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`${extra}: deleted`));
    await eventually(async () => (await state(extra)) === undefined, 30_000);
  });
});
