import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {runCli, tempConfig} from '../helpers.js';

/**
 * Every command that changes something takes --dry-run (README, "Mutating commands"), and a dry run
 * never asks for confirmation: through the built binary, against a context whose services are all
 * down, each dry run gets as far as asking the services (exit 4), not refused as a usage error (2).
 */
const down = tempConfig(
  [
    'current-context: down',
    'contexts:',
    '  down:',
    '    connect: {url: "http://127.0.0.1:1"}',
    '    kafka: {brokers: ["127.0.0.1:1"]}',
    '    postgres: {url: "postgres://cdc:cdc@127.0.0.1:1/target"}',
    '    cassandra: {contactPoints: ["127.0.0.1:1"], localDataCenter: dc1}',
    '    gdpr:',
    '      cassandra: [{keyspace: ks, table: t, subjectColumns: [id]}]',
    '      postgres: [{schema: s, table: t, column: id}]',
    '      backupKey: "0000000000000000000000000000000000000000000000000000000000000000"',
    '      reportKey: "000000000000000000000000000000000000000000000000"',
    '',
  ].join('\n'),
);

const commands = [
  ['dlq', 'sync'],
  ['gdpr', 'resume'],
  ['connectors', 'loggers', 'set', 'root', 'DEBUG'],
  ['reconcile', 'seed'],
];

describe('--dry-run on every mutating command that lacked it', () => {
  for (const cmd of commands) {
    it(`${cmd.slice(0, 3).join(' ')}: --help lists --dry-run`, async () => {
      const r = await runCli([...cmd.filter((a) => !/^(root|DEBUG)$/.test(a)), '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /--dry-run\s+Show exactly what would change, and change nothing\./);
    });
    it(`${cmd.slice(0, 3).join(' ')} --dry-run: accepted without --yes, reaches the services (exit 4)`, async () => {
      const r = await runCli([...cmd, '--dry-run', '--timeout', '2s', '--json'], {env: down.env});
      assert.equal(r.code, 4, `${r.stdout}${r.stderr}`);
      const error = JSON.parse(r.stdout).error as {exitCode: number; message: string};
      assert.equal(error.exitCode, 4);
      assert.doesNotMatch(error.message, /confirmation|Nonexistent flag/);
    });
  }
  it('reconcile seed without --dry-run still refuses without a terminal or --yes', async () => {
    const r = await runCli(['reconcile', 'seed'], {env: down.env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /without confirmation/);
  });
});
