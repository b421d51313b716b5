import assert from 'node:assert/strict';
import {before, describe, it} from 'node:test';
import {runCli, tempConfig} from '../helpers.js';
import {requireStack} from './stack.js';

/**
 * Configuration the real servers reject is a configuration error (exit 2) with a hint that names
 * the setting to fix, never "unreachable" (exit 4): PostgreSQL's unknown database (3D000), wrong
 * password (28P01) and unknown role (28000), Cassandra's unknown keyspace.
 */
const config = tempConfig(
  [
    'current-context: nodb',
    'contexts:',
    '  nodb:',
    `    postgres: {url: "postgres://cdc@127.0.0.1:5433/no_such_db_${process.pid}", password: cdc}`,
    '  badpw:',
    '    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: not-the-password}',
    '  norole:',
    `    postgres: {url: "postgres://no_such_role_${process.pid}@127.0.0.1:5433/target", password: x}`,
    '  noks:',
    '    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: cdc}',
    `    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1, keyspace: no_such_ks_${process.pid}}`,
    '    reconcile:',
    '      tables: [{cassandra: system.local, postgres: public.nothing, key: [key]}]',
    '  badcol:',
    '    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: cdc}',
    '    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}',
    '    reconcile:',
    '      tables: [{cassandra: system.local, postgres: pg_catalog.pg_class, key: [key], ignore: [no_such_col]}]',
    '',
  ].join('\n'),
);

describe('configuration the servers reject: exit 2 with the setting to fix', () => {
  let skip: string | undefined;
  before(async () => {
    skip = await requireStack();
  });

  const cases: Array<{context: string; args: string[]; error: RegExp; hint: RegExp}> = [
    {
      context: 'nodb',
      args: ['store', 'status'],
      error: /has no such database .*does not exist/,
      hint: /contexts\.nodb\.postgres\.url/,
    },
    {context: 'nodb', args: ['dlq', 'list'], error: /has no such database/, hint: /contexts\.nodb\.postgres\.url/},
    {
      context: 'badpw',
      args: ['store', 'status'],
      error: /rejected the credentials.*password authentication failed/,
      hint: /contexts\.badpw\.postgres\.password/,
    },
    {context: 'norole', args: ['audit', 'list'], error: /rejected/, hint: /contexts\.norole\.postgres/},
    {
      context: 'noks',
      args: ['reconcile', '--no-alert'],
      error: /Cassandra .* has no such keyspace .*no_such_ks_/,
      hint: /cassandra\.keyspace/,
    },
    {
      // a misspelt column name is found before any scan, not ignored or failed later as "unreachable"
      context: 'badcol',
      args: ['reconcile', '--no-alert'],
      error: /ignore names no_such_col, not a column of system\.local/,
      hint: /Its columns: .*cluster_name/,
    },
  ];
  for (const c of cases) {
    it(`${c.context}: ${c.args.join(' ')}`, async (t) => {
      if (skip) return t.skip(skip);
      const r = await runCli([...c.args, '--context', c.context], {env: config.env});
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, c.error);
      assert.match(r.stderr, new RegExp(`Hint: .*${c.hint.source}`));
      const j = await runCli([...c.args, '--context', c.context, '--json'], {env: config.env});
      assert.equal(j.code, 2, j.stdout);
      assert.equal(JSON.parse(j.stdout).error.exitCode, 2);
    });
  }
});
