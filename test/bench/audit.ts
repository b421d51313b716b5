import {randomUUID} from 'node:crypto';
import {join} from 'node:path';
import pg from 'pg';
import {type AuditEntry, GENESIS_HASH, recordHash} from '../../src/store/audit-record.js';
import {repoRoot, tempConfig} from '../helpers.js';
import {quantile, report, type Timing, timeCommand} from './lib.js';

/**
 * `npm run bench:audit` (needs the local stack):
 *  1. the latency the audit record adds to a mutating command: `connectors pause|resume` on a
 *     FileStream connector, run alternately through a context with the store (audited) and one
 *     without (no record), in the same run; plus the in-process cost of the append transaction
 *     itself (what runs after the command on the critical path once the store is warm).
 *  2. `audit verify` over 100k records, next to `audit list --limit 1` (same process start and
 *     connection, no chain walk).
 * Targets (issue 5): added latency ≤ 15 ms median; verify 100k ≤ 5 s.
 */
const node = process.execPath;
const bin = join(repoRoot, 'bin', 'run.js');
const schema = `i5_bench_${process.pid}`;
const name = `i5-bench-${process.pid}`;
const PG = {host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc', database: 'target'};
const {env: configEnv} = tempConfig(
  [
    'current-context: audited',
    'contexts:',
    '  audited:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}`,
    '  baseline:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    '',
  ].join('\n'),
);
const env = {...process.env, ...configEnv, CDC_PG_PASSWORD: 'cdc', NO_COLOR: '1'};
const runs = Number(process.env.BENCH_RUNS ?? 21);
const records = Number(process.env.BENCH_AUDIT_RECORDS ?? 100_000);

const connect = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`http://127.0.0.1:8083${path}`, {
    method,
    headers: {'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.text();
  return res.status;
};

const client = new pg.Client(PG);
await client.connect();
try {
  const created = await connect('PUT', `/connectors/${name}/config`, {
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
    topics: name,
    file: `/tmp/${name}.txt`,
    'tasks.max': '1',
  });
  if (created >= 300) throw new Error(`cannot create the bench connector (HTTP ${created}); is the stack up?`);

  // 1. Added latency on a mutating command (interleaved so that machine load hits both alike).
  const cmd = (context: string, verb: string) => [bin, 'connectors', verb, name, '--context', context];
  timeCommand('warm-up', node, [bin, 'store', 'migrate', '--context', 'audited'], {runs: 1, warmup: 0, env});
  const audited: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const verb = i % 2 === 0 ? 'pause' : 'resume';
    const a = timeCommand('a', node, cmd('audited', verb), {runs: 1, warmup: 0, env});
    const b = timeCommand('b', node, cmd('baseline', verb === 'pause' ? 'resume' : 'pause'), {runs: 1, warmup: 0, env});
    if (i >= 2) {
      audited.push(a.medianMs);
      plain.push(b.medianMs);
    }
  }
  const timing = (label: string, xs: number[]): Timing => {
    const s = [...xs].sort((x, y) => x - y);
    return {label, medianMs: quantile(s, 0.5), p90Ms: quantile(s, 0.9), runs: s.length};
  };
  const tAudited = timing('connectors pause|resume, audited', audited);
  const tPlain = timing('connectors pause|resume, no audit (baseline)', plain);
  const pairwise = timing(
    'paired difference (audited − baseline)',
    audited.map((a, i) => a - plain[i]!),
  );

  // The append transaction alone, store warm (the part that runs after the command's work).
  const {appendAudit} = await import('../../src/store/audit-log.js');
  const pool = new pg.Pool({...PG, max: 2});
  const store = {
    pool,
    schema,
    target: {display: 'bench', where: 'bench', config: {}},
    table: (t: string) => `"${schema}"."${t}"`,
    close: () => pool.end(),
  };
  const appendMs: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await appendAudit(store, entry(i));
    appendMs.push(performance.now() - t0);
  }
  await pool.end();
  const tAppend = timing('append transaction alone (in-process, warm)', appendMs);

  // 2. verify over `records` records: fill the chain directly (batched), then time the CLI.
  await client.query(`DELETE FROM "${schema}"._cdc_audit_log`);
  let prev = GENESIS_HASH;
  for (let done = 0; done < records; ) {
    const n = Math.min(10_000, records - done);
    const rows = [];
    for (let i = 0; i < n; i++) {
      const e = entry(done + i);
      const hash = recordHash(e, prev);
      rows.push({...e, seq: done + i + 1, prev_hash: prev, hash});
      prev = hash;
    }
    await client.query(
      `INSERT INTO "${schema}"._cdc_audit_log (seq, id, at, actor, role, context, command, args, targets, result, error, duration_ms, version, host, prev_hash, hash)
       SELECT seq, id, time, actor, role, context, command, args, targets, result, error, "durationMs", version, host, prev_hash, hash
         FROM jsonb_to_recordset($1::jsonb) AS x(seq bigint, id uuid, time timestamptz, actor text, role text, context text, command text,
              args jsonb, targets jsonb, result text, error jsonb, "durationMs" int, version text, host text, prev_hash text, hash text)`,
      [JSON.stringify(rows)],
    );
    done += n;
  }
  await client.query(`UPDATE "${schema}"._cdc_audit_head SET seq = $1, hash = $2`, [records, prev]);
  const verifyT = timeCommand(
    `audit verify (${records} records)`,
    node,
    [bin, 'audit', 'verify', '--context', 'audited'],
    {
      runs: 3,
      warmup: 1,
      env,
    },
  );
  const listT = timeCommand(
    'audit list --limit 1 (baseline)',
    node,
    [bin, 'audit', 'list', '--limit', '1', '--context', 'audited'],
    {
      runs: 3,
      warmup: 1,
      env,
    },
  );

  const added = tAudited.medianMs - tPlain.medianMs;
  report(
    `Audit on ${process.version}, ${(await import('node:os')).cpus().length} cores, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
    [tPlain, tAudited, pairwise, tAppend, listT, verifyT],
    [
      {
        name: 'added latency of the audit record ≤ 15 ms (median)',
        ok: added <= 15,
        detail: `${added.toFixed(1)} ms (medians ${tAudited.medianMs.toFixed(1)} vs ${tPlain.medianMs.toFixed(1)} ms; paired median ${pairwise.medianMs.toFixed(1)} ms; append alone ${tAppend.medianMs.toFixed(1)} ms)`,
      },
      {
        name: `audit verify over ${records} records ≤ 5 s`,
        ok: verifyT.medianMs <= 5000,
        detail: `${verifyT.medianMs.toFixed(0)} ms`,
      },
    ],
  );
} finally {
  await connect('DELETE', `/connectors/${name}`).catch(() => {});
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await client.end();
}

function entry(i: number): AuditEntry {
  return {
    id: randomUUID(),
    time: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    actor: 'bench@host',
    role: 'unrestricted',
    context: 'audited',
    command: 'connectors:pause',
    args: [name, '--yes'],
    targets: [name],
    result: 'ok',
    error: null,
    durationMs: 12,
    version: '0.1.0',
    host: 'host',
  };
}
