import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {eventually, json, runCli, startCli} from '../helpers.js';
import {connectRaw, requireStack, sql, stackConfig} from './stack.js';
import {cleanUp, createSink, createTopic, sinkConfig, steadyLoad, waitRunning} from './tune-load.js';

/**
 * `cdcctl tune` on the real stack (issue 26): a JDBC sink of its own made slow on purpose (batch.size=1, one
 * task for a 4-partition topic) under a steady load of 4,000 records/s — more than it can write (measured on
 * the shared 2-core machine: ~1,400/s), less than it writes with batch.size=500 (>10,000/s draining a
 * backlog). tune recommends the fix; a baseline is saved; `tune --apply` writes it (a config version); the
 * baseline comparison shows the throughput up. Then an experiment tries one record per put (batch.size=1,
 * max.poll.records=1: ~200/s measured), measures it worse than A and rolls it back through the config history;
 * another is cancelled (`jobs cancel`) once B is written, and rolls back. Its own topic, table, connector and
 * store schema; all removed afterwards.
 * About 60 s: 10 s windows and durations (Prometheus scrapes the worker every second). Measured on the shared
 * machine: the slow sink wrote 683–1,526 records/s, the fixed one the whole 4,000/s; A 4,000/s against B ~200/s.
 */

const id = `i26t${process.pid}`;
const topic = `tune-it-${id}`;
const table = `tune_it_${id}`;
const sink = `${id}-sink`;
const OPS = `cdc_ops_${id}`;
const cfg = stackConfig([], {opsSchema: OPS});
const cli = (args: string[]) => runCli(args, {env: cfg.env});
const LOAD_PER_SECOND = 4000;

interface Rec {
  rule: string;
  connector: string;
  change: Record<string, string>;
  observation: string;
}
interface Measure {
  connector: string;
  throughput: number | null;
  lag: number | null;
}
interface Delta {
  metric: string;
  before: number | null;
  after: number | null;
  direction: string;
}

describe('cdcctl tune (real stack)', async () => {
  const skip = await requireStack();
  let stopLoad: (() => Promise<number>) | undefined;

  before(async () => {
    if (skip) return;
    await createTopic(topic, 4);
    stopLoad = steadyLoad(topic, 0, LOAD_PER_SECOND);
    await createSink(sink, sinkConfig(topic, table));
    await waitRunning(sink);
  });

  after(async () => {
    if (skip) return;
    await stopLoad?.().catch(() => 0);
    await cleanUp([sink], topic, table);
    await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
  });

  it('recommends the fix for a slow sink; --apply writes it and the measured throughput goes up', {skip}, async () => {
    // Prometheus needs a window of the slow sink lagging
    let last = '';
    const report = await eventually(
      async () => {
        const r = await cli(['tune', sink, '--window', '10s', '--json']);
        last = `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
        const rep = json<{recommendations: Rec[]}>(r);
        return rep.recommendations.some((x) => x.rule === 'sink-batch-size') && r.code === 3 ? rep : undefined;
      },
      45_000,
      2000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the last answer: ${last}`);
    });
    const rules = report.recommendations.map((r) => r.rule);
    assert.ok(rules.includes('sink-tasks-partitions'), `one task for 4 partitions: ${rules.join(', ')}`);
    const fix = report.recommendations.find((r) => r.rule === 'sink-batch-size')!;
    assert.deepEqual(fix.change, {'batch.size': '500'});
    assert.match(fix.observation, /batch\.size=1 writes them/);

    const saved = await cli(['tune', 'baseline', 'save', 'slow', sink, '--window', '10s', '--json']);
    assert.equal(saved.code, 0, saved.stderr);
    const slow = json<{measures: Measure[]}>(saved).measures[0]!;
    assert.ok(slow.throughput !== null && slow.throughput > 0, `slow throughput measured: ${slow.throughput}`);

    const applied = await cli(['tune', '--apply', 'sink-batch-size', sink, '--window', '10s', '--yes', '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    const result = json<{applied: Array<{result: {applied: boolean; changes: Array<{key: string; after?: string}>}}>}>(
      applied,
    );
    assert.equal(result.applied[0]?.result.applied, true);
    assert.equal((await connectRaw('GET', `/connectors/${sink}/config`)).body?.['batch.size' as never], '500');
    const history = json<Array<{action: string; message: string | null}>>(
      await cli(['connectors', 'history', sink, '--json']),
    );
    assert.match(history.at(-1)?.message ?? '', /^tune sink-batch-size: /);

    await waitRunning(sink);
    // a full window of the fixed sink (its backlog drained, then the load itself)
    await new Promise((r) => setTimeout(r, 12_000));
    const compared = await cli(['tune', 'baseline', 'compare', 'slow', '--window', '10s', '--json']);
    assert.equal(compared.code, 0, `${compared.stdout}\n${compared.stderr}`);
    const c = json<{connectors: Array<{connector: string; verdict: string; deltas: Delta[]}>}>(compared);
    const throughput = c.connectors[0]!.deltas.find((d) => d.metric === 'throughput')!;
    assert.equal(c.connectors[0]!.verdict, 'better');
    assert.equal(throughput.direction, 'better');
    assert.ok(throughput.after! > throughput.before! * 1.2, `throughput ${throughput.before} → ${throughput.after}`);
    process.stderr.write(`# tune: throughput ${throughput.before?.toFixed(0)}/s → ${throughput.after?.toFixed(0)}/s\n`);
  });

  it('an experiment measures one record per put worse than A and rolls it back through the config history', {
    skip,
  }, async () => {
    const r = await cli([
      'tune',
      'experiment',
      sink,
      '--set',
      'batch.size=1',
      '--set',
      'consumer.override.max.poll.records=1',
      '--duration',
      '10s',
      '--yes',
      '--json',
    ]);
    assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
    const e = json<{
      experimentId: string;
      outcome: string;
      verdict: string;
      a: Measure;
      b: Measure;
      versions: {a: number; b: number; rollback: number};
    }>(r);
    assert.equal(e.outcome, 'rolled-back');
    assert.equal(e.verdict, 'worse');
    assert.ok(e.b.throughput! < e.a.throughput!, `A ${e.a.throughput}/s, B ${e.b.throughput}/s`);
    process.stderr.write(`# tune experiment: A ${e.a.throughput?.toFixed(0)}/s, B ${e.b.throughput?.toFixed(0)}/s\n`);
    const live = (await connectRaw('GET', `/connectors/${sink}/config`)).body as Record<string, string>;
    assert.deepEqual([live['batch.size'], live['consumer.override.max.poll.records']], ['500', undefined]);
    const history = json<Array<{version: number; action: string}>>(
      await cli(['connectors', 'history', sink, '--json']),
    );
    assert.deepEqual(history.at(-1), {...history.at(-1), version: e.versions.rollback, action: 'rollback'});
    assert.ok(e.versions.b > e.versions.a && e.versions.rollback > e.versions.b);
    const job = json<{state: string; status: string}>(
      await cli(['jobs', 'show', `tune-experiment:${e.experimentId}`, '--json']),
    );
    assert.deepEqual([job.state, job.status], ['succeeded', 'rolled-back']);
  });

  it('`jobs cancel` stops a running experiment and rolls B back', {skip}, async () => {
    const run = startCli(
      ['tune', 'experiment', sink, '--set', 'batch.size=2000', '--duration', '6s', '--yes', '--json'],
      {env: cfg.env},
    );
    // cancelled once B is written (the job says "measuring-b")
    const job = await eventually(
      async () => {
        const list = json<{jobs: Array<{id: string; status: string}>}>(
          await cli(['jobs', 'list', '--kind', 'tune-experiment', '--running', '--json']),
        );
        return list.jobs.find((j) => j.status === 'measuring-b');
      },
      30_000,
      500,
    );
    const cancel = await cli(['jobs', 'cancel', job.id, '--reason', 'tune test', '--yes', '--json']);
    assert.equal(cancel.code, 0, cancel.stderr);
    const r = await run.done;
    assert.equal(r.code, 130, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /cancelled \(jobs cancel\); B was rolled back/);
    const live = (await connectRaw('GET', `/connectors/${sink}/config`)).body as Record<string, string>;
    assert.equal(live['batch.size'], '500');
    const shown = json<{state: string; status: string}>(await cli(['jobs', 'show', job.id, '--json']));
    assert.deepEqual([shown.state, shown.status], ['succeeded', 'rolled-back']);
  });
});
