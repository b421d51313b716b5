import assert from 'node:assert/strict';
import {mkdtemp, rm, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {
  captured,
  cdcComponents,
  compareSegments,
  parseCdcIdx,
  parseEngineOffsets,
  parsePosition,
  parseSize,
  positionLag,
  readCdcRaw,
} from '../../src/services/pipeline/cassandra-cdc.js';

const MiB = 1024 * 1024;
const settings = {
  cdc_enabled: 'true',
  cdc_total_space: '512MiB',
  cdc_block_writes: 'true',
  commitlog_segment_size: '1MiB',
};

describe('Cassandra CDC files and settings', () => {
  it('reads a segment idx: the synced offset, then COMPLETED once Cassandra is done with it', () => {
    assert.deepEqual(parseCdcIdx('4096\n'), {position: 4096, completed: false});
    assert.deepEqual(parseCdcIdx('1048576\nCOMPLETED\n'), {position: 1048576, completed: true});
    assert.equal(parseCdcIdx(''), null);
    assert.equal(parseCdcIdx('garbage'), null);
  });

  it('reads Cassandra sizes, the old bare _in_mb numbers as MiB', () => {
    assert.equal(parseSize('512MiB'), 512 * MiB);
    assert.equal(parseSize('4096KiB'), 4 * MiB);
    assert.equal(parseSize('1GiB'), 1024 * MiB);
    assert.equal(parseSize('100B'), 100);
    assert.equal(parseSize('512'), 512 * MiB);
    assert.equal(parseSize('lots'), null);
    assert.equal(parseSize(null), null);
  });

  it('orders segments by id, not by text', () => {
    const names = ['CommitLog-7-1796611157130.log', 'CommitLog-7-999.log', 'CommitLog-7-1796611157126.log'];
    assert.deepEqual(names.sort(compareSegments), [
      'CommitLog-7-999.log',
      'CommitLog-7-1796611157126.log',
      'CommitLog-7-1796611157130.log',
    ]);
  });

  it('lists the configured tables first, then the other CDC tables; a missing table has cdc null', () => {
    const node = {
      settings,
      tables: [
        {keyspace: 'a', table: 'on', cdc: true},
        {keyspace: 'a', table: 'off', cdc: false},
        {keyspace: 'b', table: 'other', cdc: true},
        {keyspace: 'b', table: 'plain', cdc: false},
      ],
    };
    assert.deepEqual(captured(node, ['a.off', 'a.on', 'x.gone']), [
      {table: 'a.off', cdc: false, expected: true},
      {table: 'a.on', cdc: true, expected: true},
      {table: 'x.gone', cdc: null, expected: true},
      {table: 'b.other', cdc: true, expected: false},
    ]);
  });
});

describe('cdc_raw on disk', () => {
  let dir: string;
  const now = Date.parse('2026-12-07T03:00:00Z');
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'i21c-cdcraw-'));
    const seg = async (id: number, idx: string | null, mtime: number) => {
      await writeFile(join(dir, `CommitLog-7-${id}.log`), Buffer.alloc(1000));
      if (idx !== null) {
        await writeFile(join(dir, `CommitLog-7-${id}_cdc.idx`), idx);
        await utimes(join(dir, `CommitLog-7-${id}_cdc.idx`), mtime / 1000, mtime / 1000);
      }
    };
    await seg(10, '1000\nCOMPLETED\n', now - 120_000);
    await seg(11, '1000\nCOMPLETED\n', now - 30_000);
    await seg(12, '200\n', now - 1000);
    await seg(13, null, now);
  });
  after(async () => rm(dir, {recursive: true, force: true}));

  it('counts a segment that has left the commit-log directory as completed, idx or not', async () => {
    const live = await mkdtemp(join(tmpdir(), 'i21c-commitlog-'));
    try {
      await writeFile(join(live, 'CommitLog-7-12.log'), '');
      await writeFile(join(live, 'CommitLog-7-13.log'), '');
      const r = await readCdcRaw(dir, 512 * MiB, now, live);
      assert.deepEqual(
        r.segments.map((s) => [s.name, s.state]),
        [
          ['CommitLog-7-10.log', 'completed'],
          ['CommitLog-7-11.log', 'completed'],
          ['CommitLog-7-12.log', 'active'],
          ['CommitLog-7-13.log', 'active'],
        ],
      );
      await rm(join(live, 'CommitLog-7-13.log'));
      const gone = await readCdcRaw(dir, 512 * MiB, now, live);
      assert.equal(gone.unprocessed, 3, 'Cassandra discarded 13 without a COMPLETED idx: only the connector holds it');
    } finally {
      await rm(live, {recursive: true, force: true});
    }
  });

  it('counts every byte, the completed segments as unprocessed, and dates the lag by the oldest', async () => {
    const r = await readCdcRaw(dir, 512 * MiB, now);
    assert.equal(r.segments.length, 4);
    assert.equal(r.bytes, 4 * 1000 + 2 * '1000\nCOMPLETED\n'.length + '200\n'.length);
    assert.equal(r.unprocessed, 2);
    assert.equal(r.lagMs, 120_000);
    assert.deepEqual(
      r.segments.map((s) => s.idx),
      [{position: 1000, completed: true}, {position: 1000, completed: true}, {position: 200, completed: false}, null],
    );
  });
});

describe('Cassandra CDC verdicts', () => {
  const base = {
    settings,
    tables: [{table: 'a.t', cdc: true, expected: true}],
    localAccess: {available: true, reason: 'test'},
    maxLagMs: 60_000,
    warnUsage: 0.8,
  };
  const raw = (bytes: number, lagMs = 0, unprocessed = 0) => ({
    directory: '/x',
    bytes,
    totalSpace: 512 * MiB,
    usage: bytes / (512 * MiB),
    segments: [],
    unprocessed,
    lagMs,
  });
  const verdicts = (s: Parameters<typeof cdcComponents>[0]) =>
    Object.fromEntries(cdcComponents(s).map((c) => [c.component, c.verdict]));

  it('is ok with CDC on, flagged tables, room in cdc_raw and no backlog', () => {
    assert.deepEqual(verdicts({...base, cdcRaw: raw(10 * MiB)}), {
      'cassandra cdc': 'ok',
      'cdc table a.t': 'ok',
      'cdc_raw usage': 'ok',
      'cdc segments': 'ok',
    });
  });

  it('degrades on CDC off, a table without cdc = true and a missing table', () => {
    const v = verdicts({
      ...base,
      settings: {...settings, cdc_enabled: 'false'},
      tables: [
        {table: 'a.t', cdc: false, expected: true},
        {table: 'a.gone', cdc: null, expected: true},
      ],
      cdcRaw: raw(0),
    });
    assert.equal(v['cassandra cdc'], 'degraded');
    assert.equal(v['cdc table a.t'], 'degraded');
    assert.equal(v['cdc table a.gone'], 'degraded');
  });

  it('says a full cdc_raw refuses writes (or drops segments without cdc_block_writes)', () => {
    const full = cdcComponents({...base, cdcRaw: raw(512 * MiB - 1000)}).find((c) => c.component === 'cdc_raw usage');
    assert.equal(full?.verdict, 'degraded');
    assert.match(full?.detail ?? '', /full — Cassandra refuses writes to CDC tables/);
    const dropping = cdcComponents({
      ...base,
      settings: {...settings, cdc_block_writes: 'false'},
      cdcRaw: raw(512 * MiB),
    }).find((c) => c.component === 'cdc_raw usage');
    assert.match(dropping?.detail ?? '', /drops unread CDC segments/);
    const high = cdcComponents({...base, cdcRaw: raw(450 * MiB)}).find((c) => c.component === 'cdc_raw usage');
    assert.equal(high?.verdict, 'degraded');
    assert.match(high?.detail ?? '', /above 80%/);
  });

  it('degrades when the oldest unprocessed segment is older than maxLag', () => {
    assert.equal(verdicts({...base, cdcRaw: raw(MiB, 59_000, 1)})['cdc segments'], 'ok');
    const late = cdcComponents({...base, cdcRaw: raw(MiB, 90_000, 3)}).find((c) => c.component === 'cdc segments');
    assert.equal(late?.verdict, 'degraded');
    assert.match(late?.detail ?? '', /^3 unprocessed/);
  });

  it('says what needs node-local access instead of guessing', () => {
    const c = cdcComponents({...base, localAccess: {available: false, reason: 'cdc_raw is a directory on the node'}});
    const usage = c.find((x) => x.component === 'cdc_raw usage');
    assert.equal(usage?.verdict, 'unknown');
    assert.match(usage?.detail ?? '', /needs node-local access: cdc_raw is a directory on the node/);
  });
});

/** The FileOffsetBackingStore file Debezium Server 3.6.1 wrote on the local stack (a Java-serialised HashMap). */
const ENGINE_OFFSETS = Buffer.from(
  'rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcAUH2sHDFmDRAwACRgAKbG9hZEZhY3RvckkACXRocmVzaG9sZHhwP0AAAAAAAAx3CAAAABAAAAABdXIAAltCrPMX+AYIVOACAAB4cAAAADZbImthZmthIix7ImxvZ2ljYWxOYW1lIjoiY2Fzc2FuZHJhIiwibm9kZUlkIjoibm9kZTEifV11cQB+AAIAAADNeyJjZGNfZGVtby5vcmRlcnMuc25hcHNob3QiOiI6LTEiLCJjZGNfZGVtby5hbGxfdHlwZXMuc25hcHNob3QiOiI6LTEiLCJjZGNfZGVtby5vcmRlcnMuY29tbWl0bG9nIjoiQ29tbWl0TG9nLTctMTc5NjYxMTE1NzEyNi5sb2c6OTQzODkiLCJjZGNfZGVtby5hbGxfdHlwZXMuY29tbWl0bG9nIjoiQ29tbWl0TG9nLTctMTc5NjYxMTE1NzEyNi5sb2c6OTQwNjEifXg=',
  'base64',
);

describe('the connector position', () => {
  it('reads the per-table commit-log positions out of the engine offsets file', () => {
    assert.deepEqual(parseEngineOffsets(ENGINE_OFFSETS), {
      'cdc_demo.orders': 'CommitLog-7-1796611157126.log:94389',
      'cdc_demo.all_types': 'CommitLog-7-1796611157126.log:94061',
    });
    assert.equal(parsePosition(':-1'), null);
  });

  const seg = (id: number, position: number, completed: boolean, at: number) => ({
    name: `CommitLog-7-${id}.log`,
    bytes: MiB,
    idx: {position, completed},
    modifiedAt: new Date(at).toISOString(),
    state: completed ? ('completed' as const) : ('active' as const),
  });
  const raw = (segments: ReturnType<typeof seg>[]) => ({
    directory: '/x',
    bytes: 0,
    totalSpace: null,
    usage: null,
    segments,
    unprocessed: 0,
    lagMs: 0,
  });
  const now = 1_000_000;

  it('is caught up when no synced byte lies past the furthest table position', () => {
    const tables = {'a.t': 'CommitLog-7-5.log:100', 'a.u': 'CommitLog-7-5.log:300'};
    assert.deepEqual(positionLag(tables, raw([seg(5, 300, false, now - 5000)]), now), {
      segment: 'CommitLog-7-5.log',
      position: 300,
      behindBytes: 0,
      behindMs: 0,
    });
  });

  it('counts what Cassandra synced past it, in later segments too, and how long it has waited', () => {
    const tables = {'a.t': 'CommitLog-7-5.log:300'};
    const r = positionLag(
      tables,
      raw([seg(4, 900, true, now - 90_000), seg(5, 1000, true, now - 60_000), seg(6, 50, false, now - 1000)]),
      now,
    );
    assert.equal(r.behindBytes, 700 + 50);
    assert.equal(r.behindMs, 60_000);
  });

  it('needs a whole segment unread for longer than maxLag before it says the connector lags', () => {
    const base = {
      settings,
      tables: [],
      localAccess: {available: true, reason: 't'},
      maxLagMs: 60_000,
      warnUsage: 0.8,
      cdcRaw: raw([]),
    };
    const lag = (behindBytes: number, behindMs: number) =>
      cdcComponents({
        ...base,
        connector: {file: '/o', tables: {}, segment: 'CommitLog-7-5.log', position: 1, behindBytes, behindMs},
      }).find((c) => c.component === 'connector lag');
    assert.equal(lag(0, 0)?.verdict, 'ok');
    assert.equal(lag(4000, 600_000)?.verdict, 'ok', 'trailing writes of other tables');
    assert.equal(lag(2 * MiB, 30_000)?.verdict, 'ok');
    assert.equal(lag(2 * MiB, 90_000)?.verdict, 'degraded');
  });
});
