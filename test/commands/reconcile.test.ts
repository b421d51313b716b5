import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {runCli, tempConfig} from '../helpers.js';

/** reconcile's bad-input contract through the built binary (no services needed). */

const withTables = tempConfig(
  [
    'current-context: x',
    'contexts:',
    '  x:',
    '    postgres: {url: "postgres://cdc:cdc@127.0.0.1:1/target"}',
    '    cassandra: {contactPoints: ["127.0.0.1:1"], localDataCenter: dc1}',
    '    reconcile:',
    '      tables: [{cassandra: ks.t, postgres: public.t, key: [id]}]',
    '',
  ].join('\n'),
);

describe('cdcctl reconcile (usage)', () => {
  it('rejects a malformed --shard, --max-diff-ratio, --sample and run id with exit 2', async () => {
    for (const args of [
      ['--shard', '2/2'],
      ['--max-diff-ratio', '0'],
      ['--sample', '2'],
      ['--sample', '0.1', '--shard', '0/2'],
      // a run id names the spill directory that the run removes when it ends
      ['--run-id', '../victim'],
      ['--run-id', ''],
      ['--resume', 'a b/../c'],
      // checked before the scan, not found out as a Cassandra error by the first spill file
      ['--spill-dir', withTables.path],
    ]) {
      const r = await runCli(['reconcile', ...args], {env: withTables.env});
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^Error: /);
    }
  });

  it('a context without a reconcile section is a usage error with a hint', async () => {
    const {env} = tempConfig('current-context: x\ncontexts:\n  x: {postgres: {url: "postgres://a@127.0.0.1:1/db"}}\n');
    const r = await runCli(['reconcile'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no reconcile section/);
    assert.match(r.stderr, /Hint: /);
  });

  it('rejects invalid table pairs in the configuration', async () => {
    const {env} = tempConfig(
      'current-context: x\ncontexts:\n  x:\n    reconcile: {tables: [{cassandra: "ks.t; DROP", postgres: p.t, key: [id]}]}\n',
    );
    const r = await runCli(['reconcile', 'history'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cassandra/);
  });

  it('unreachable store: exit 4', async () => {
    const r = await runCli(['reconcile', 'history', '--timeout', '2s'], {env: withTables.env});
    assert.equal(r.code, 4, r.stderr);
  });
});
