import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import pg from 'pg';
import {insertDlqRecords} from '../../src/store/dlq-records.js';
import type {Store} from '../../src/store/index.js';
import {qualified} from '../../src/store/sql.js';
import {eventually, json, runCli, runInTerminal} from '../helpers.js';
import {connectRaw, deleteConnectors, PG, requireStack, stackConfig} from './stack.js';

/**
 * Exit codes against the real stack: Ctrl-C / Ctrl-D at a confirmation prompt (a real pseudo-
 * terminal) is exit 130 with nothing changed; ids that no record has are named, exit 2 when none
 * exists and 5 when some do; ids too large for the store's bigint are "not found", never a crash.
 */

const prefix = `it-exit-${process.pid}`;
const OPS = `cdc_ops_exit_${process.pid}`;
const {env} = stackConfig([], {opsSchema: OPS});
let skip: string | undefined;
let pool: pg.Pool;

function record(offset: string) {
  return {
    dlqTopic: `${prefix}-dlq`,
    dlqPartition: 0,
    dlqOffset: offset,
    dlqTimestamp: null,
    srcTopic: `${prefix}-orders`,
    srcPartition: 0,
    srcOffset: offset,
    connector: `${prefix}-sink`,
    taskId: 0,
    stage: 'VALUE_CONVERTER',
    className: null,
    exceptionClass: 'E',
    exceptionMessage: 'm',
    stacktrace: 's',
    key: Buffer.from(offset),
    value: Buffer.from('v'),
    headers: [],
  };
}

describe('exit codes (real stack)', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    pool = new pg.Pool({...PG, database: 'target', max: 2});
  });
  after(async () => {
    if (skip) return;
    await deleteConnectors([`${prefix}-fs`]);
    await pool.query(`DROP SCHEMA IF EXISTS ${OPS} CASCADE`);
    await pool.end();
  });

  it('Ctrl-C and Ctrl-D at a confirmation prompt: exit 130, nothing changed', async (t) => {
    if (skip) return t.skip(skip);
    const name = `${prefix}-fs`;
    const config = {'connector.class': 'FileStreamSource', file: '/dev/null', topic: `${prefix}-t`, 'tasks.max': '1'};
    assert.equal((await connectRaw('PUT', `/connectors/${name}/config`, config)).status, 201);
    await eventually(async () => (await connectRaw('GET', `/connectors/${name}`)).status === 200, 30_000);
    for (const [key, keys] of [
      ['Ctrl-C', '\u0003'],
      ['Ctrl-D', '\u0004'],
    ] as const) {
      const r = await runInTerminal(['connectors', 'delete', name], {env, keys});
      if (!r) return t.skip('python3 (for a pseudo-terminal) is not available');
      assert.equal(r.sent, true, `the prompt was shown: ${r.output}`);
      assert.equal(r.code, 130, `${key}: ${r.output}`);
      assert.match(r.output, /interrupted at the confirmation prompt: nothing was changed/);
      assert.doesNotMatch(r.output, /bug in cdcctl|\n\s+at /);
      assert.equal(
        (await connectRaw('GET', `/connectors/${name}`)).status,
        200,
        `${key}: the connector is still there`,
      );
    }
    const no = await runInTerminal(['connectors', 'delete', name], {env, keys: 'n\r'});
    assert.equal(no?.code, 2, 'answering no is still "aborted" (exit 2)');
    // the connector omitted: chosen from the context's connectors; Ctrl-C there is an interruption too
    const pick = await runInTerminal(['connectors', 'edit'], {env, keys: '\u0003', prompt: 'Choose a connector'});
    assert.equal(pick?.sent, true, pick?.output);
    assert.match(pick!.output, new RegExp(`Choose a connector in context "[^"]+":.*${name}`, 's'));
    assert.equal(pick?.code, 130, pick?.output);
    assert.equal((await connectRaw('GET', `/connectors/${name}`)).status, 200);
  });

  it('dlq discard / replay name the ids that do not exist: exit 2 when none does, 5 when some do', async (t) => {
    if (skip) return t.skip(skip);
    const listed = await runCli(['dlq', 'list', '--json'], {env}); // creates the store schema
    assert.equal(listed.code, 0, listed.stderr);
    const store: Store = {
      pool,
      schema: OPS,
      target: {} as Store['target'],
      table: (n) => qualified(OPS, n),
      close: async () => {},
    };
    assert.equal(await insertDlqRecords(store, [record('1'), record('2')]), 2);
    const ids = (await pool.query<{id: string}>(`SELECT id FROM ${OPS}._cdc_dlq_records ORDER BY id`)).rows.map((r) =>
      String(r.id),
    );
    const [a, b] = ids as [string, string];
    const missing = String(Number(b) + 1000);

    const none = await runCli(['dlq', 'discard', missing, 'abc', `9${'9'.repeat(19)}`, '--reason', 'x', '--yes'], {
      env,
    });
    assert.equal(none.code, 2, none.stdout + none.stderr);
    assert.match(none.stderr, new RegExp(`^Error: no dead-letter record ${missing}, abc, 9{20}$`, 'm'));

    const some = await runCli(['dlq', 'discard', a, missing, '--reason', 'x', '--yes', '--json'], {env});
    assert.equal(some.code, 5, some.stdout + some.stderr);
    assert.deepEqual(json<{ids: string[]; notFound: string[]}>(some), {
      dryRun: false,
      reason: 'x',
      ids: [a],
      count: 1,
      notFound: [missing],
    });
    const text = await runCli(['dlq', 'discard', a, missing, '--reason', 'x', '--yes'], {env});
    assert.equal(text.code, 5);
    assert.match(text.stdout, new RegExp(`Not found: ${missing} \\(no such record\\)`));

    const replayNone = await runCli(['dlq', 'replay', missing, '--yes'], {env});
    assert.equal(replayNone.code, 2, replayNone.stdout + replayNone.stderr);
    assert.match(replayNone.stderr, new RegExp(`no dead-letter record ${missing}`));
    const replaySome = await runCli(['dlq', 'replay', b, missing, '--dry-run', '--json'], {env});
    assert.equal(replaySome.code, 5, replaySome.stdout + replaySome.stderr);
    const plan = json<{eligible: number; notFound: string[]}>(replaySome);
    assert.equal(plan.eligible, 1);
    assert.deepEqual(plan.notFound, [missing]);
  });

  it('show of an id beyond the store’s bigint is "not found" (exit 2), not a database error', async (t) => {
    if (skip) return t.skip(skip);
    for (const args of [
      ['audit', 'show', '99999999999999999999'],
      ['dlq', 'show', '99999999999999999999'],
      ['audit', 'show', '9223372036854775807'],
    ]) {
      const r = await runCli(args, {env});
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^Error: no (audit|dead-letter) record \d+$/m);
    }
  });
});
