import pg from 'pg';
import {qualitySchema} from '../../src/config/schema.js';
import {resolveRules} from '../../src/services/quality/rules.js';
import {oneQueryPerCheck, singlePassQuery} from '../../src/services/quality/sql.js';
import type {ResolvedTable} from '../../src/services/quality/types.js';
import {quantile, report} from './lib.js';

/**
 * `npm run bench:quality -- --rows 1000000 [--runs 5] [--keep]`: twelve single-pass quality checks of one
 * table (row count, freshness, missing ×3, values in a set ×2, email format, ranges of a number, a decimal and a
 * timestamp, length) in the
 * one aggregate query `quality run` sends, against the baseline `SELECT count(*)` over the same table in
 * the same run (target ≤ 2.5×), with the naive form beside it: one query per check, and the floor of any single
 * pass: one aggregate per check with the cheapest test of its column (count(*) is below that floor). The table (its own
 * schema, i25q_bench) is built on the stack's PostgreSQL (127.0.0.1:5433/target) and dropped afterwards
 * unless --keep. Runs are interleaved (baseline, single pass, naive) after one warm-up of each, so that
 * cache and background load fall on all three alike.
 */

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : dflt;
};
const ROWS = Number(arg('rows', '1000000'));
const RUNS = Number(arg('runs', '5'));
const KEEP = process.argv.includes('--keep');
const SCHEMA = 'i25q_bench';

const [rules] = resolveRules(
  qualitySchema.parse({
    tables: [
      {
        table: `${SCHEMA}.t`,
        updatedAt: 'updated_at',
        checks: [
          {type: 'row_count'},
          {type: 'freshness', fail: {max: '1d'}},
          {type: 'missing', column: 'email'},
          {type: 'missing', column: 'status'},
          {type: 'missing', column: 'code', percent: true, fail: {max: 1}},
          {type: 'values_in_set', column: 'status', values: ['active', 'closed', 'pending']},
          {type: 'values_in_set', column: 'country', values: ['DE', 'FR', 'NL', 'PL', 'SE']},
          {type: 'pattern', column: 'email', format: 'email'},
          {type: 'range', column: 'age', min: 18, max: 120},
          {type: 'range', column: 'amount', min: 0, max: 100000},
          {type: 'length', column: 'code', min: 8, max: 8},
          {type: 'range', column: 'created_at', min: '2020-01-01T00:00:00Z'},
        ],
      },
    ],
  }),
  'bench',
) as [ResolvedTable];

async function main(): Promise<void> {
  const client = new pg.Client({host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc', database: 'target'});
  await client.connect();
  try {
    const have = await client
      .query(`SELECT count(*)::int AS n FROM ${SCHEMA}.t`)
      .then((r) => r.rows[0].n as number)
      .catch(() => -1);
    if (have !== ROWS) {
      const t0 = Date.now();
      await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`);
      await client.query(`CREATE TABLE ${SCHEMA}.t (id bigint PRIMARY KEY, email text, status text, country text,
          age int, amount numeric(12,2), code text, ref text, created_at timestamptz, updated_at timestamptz NOT NULL)`);
      await client.query(
        `INSERT INTO ${SCHEMA}.t SELECT i, 'user' || i || '@example.org', (ARRAY['active','closed','pending'])[1 + i % 3],
           (ARRAY['DE','FR','NL','PL','SE'])[1 + i % 5], 18 + i % 80, (i % 100000) / 7.0,
           'AB' || lpad((i % 1000000)::text, 6, '0'), md5(i::text)::uuid::text, now() - (i % 1000) * interval '1 minute', now()
         FROM generate_series(1, $1::int) i`,
        [ROWS],
      );
      await client.query(`VACUUM ANALYZE ${SCHEMA}.t`);
      console.log(
        `built ${SCHEMA}.t: ${ROWS.toLocaleString('en-US')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
    const types = new Map(
      (
        await client.query(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 't'`,
          [SCHEMA],
        )
      ).rows.map((r) => [r.column_name as string, r.data_type as string]),
    );
    const single = singlePassQuery(rules, rules.checks, types);
    const naive = rules.checks.map((c) => oneQueryPerCheck(rules, c, types));
    // The floor of any single pass of these checks in PostgreSQL: one aggregate per check, each reading its
    // column with the cheapest test there is (IS NULL), no judging. count(*) reads no column and
    // evaluates no aggregate per check, so it is below what twelve checks can cost.
    const cheapest = rules.checks.map((c, i) => {
      const column = (c.config as {column?: string}).column;
      if (c.type === 'freshness') return `max(updated_at) AS f${i}`;
      return column ? `count(*) FILTER (WHERE "${column}" IS NULL) AS f${i}` : `count(*) AS f${i}`;
    });
    const floorSql = `SELECT ${cheapest.join(', ')} FROM ${SCHEMA}.t`;
    const forms: Array<[string, () => Promise<unknown>]> = [
      ['baseline SELECT count(*)', () => client.query(`SELECT count(*) FROM ${SCHEMA}.t`)],
      [`floor: ${rules.checks.length} aggregates, each column IS NULL`, () => client.query(floorSql)],
      [`${rules.checks.length} checks, one aggregate query`, () => client.query(single.text, single.values)],
      [
        `${rules.checks.length} checks, one query per check (naive)`,
        async () => {
          for (const q of naive) await client.query(q.text, q.values);
        },
      ],
    ];
    // not among the twelve: a check PostgreSQL can only judge with a regular expression (~5 µs a row)
    const [regexTable] = resolveRules(
      qualitySchema.parse({
        tables: [{table: `${SCHEMA}.t`, checks: [{type: 'pattern', column: 'ref', format: 'uuid'}]}],
      }),
      'bench',
    );
    if (regexTable) {
      const q = singlePassQuery(regexTable, regexTable.checks, types);
      forms.push(['(extra) 1 regular-expression check (uuid in text), alone', () => client.query(q.text, q.values)]);
    }
    const samples = forms.map(() => [] as number[]);
    for (let run = -1; run < RUNS; run++)
      for (const [i, [, fn]] of forms.entries()) {
        const t0 = process.hrtime.bigint();
        await fn();
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (run >= 0) samples[i]?.push(ms);
      }
    const timings = forms.map(([label], i) => {
      const s = (samples[i] as number[]).sort((a, b) => a - b);
      return {label, medianMs: quantile(s, 0.5), p90Ms: quantile(s, 0.9), runs: s.length};
    });
    const [base, floor, one, many, regex] = timings.map((t) => t.medianMs) as [number, number, number, number, number?];
    report(`quality: ${rules.checks.length} single-pass checks on ${ROWS.toLocaleString('en-US')} rows`, timings, [
      {
        name: 'one aggregate query ≤ 2.5× SELECT count(*)',
        ok: one <= 2.5 * base,
        detail: `${(one / base).toFixed(2)}× (${one.toFixed(0)} ms vs ${base.toFixed(0)} ms)`,
      },
      {
        name: `the floor (for the restated target): single pass ÷ ${rules.checks.length} cheapest aggregates over the same columns`,
        ok: true,
        detail: `${(one / floor).toFixed(2)}× the floor (${floor.toFixed(0)} ms, itself ${(floor / base).toFixed(2)}× count(*))`,
      },
      {
        name: 'naive form (for comparison)',
        ok: true,
        detail: `${(many / base).toFixed(2)}× the baseline, ${(many / one).toFixed(2)}× the single pass`,
      },
      ...(regex === undefined
        ? []
        : [
            {
              name: 'a regular-expression check, for comparison (not among the twelve)',
              ok: true,
              detail: `${(regex / base).toFixed(2)}× the baseline on its own`,
            },
          ]),
    ]);
  } finally {
    if (!KEEP) await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => {});
    await client.end();
  }
}

await main();
