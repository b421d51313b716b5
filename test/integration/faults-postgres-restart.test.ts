import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {type CliResult, eventually, repoRoot, runCli, startCli, tempDir} from '../helpers.js';
import {connectRaw, requireStack, sql, stackConfig} from './stack.js';

/**
 * Fault injection (issue 27): the stack's PostgreSQL — cdcctl's operational store and the pipeline's
 * target — is restarted (`stack.sh stop pg` = pg_ctl stop -m fast, then `start pg`) while cdcctl works:
 * - audited commands (`audit: required`) run around the restart: each waits for the store (before acting,
 *   and for its record after) instead of failing, no change is left without its audit record, and the
 *   chain verifies;
 * - …
 * The restart is real (every client connection is cut, new ones are refused until it is back); the test
 * waits for the connectors it touches to run again afterwards.
 */

const STACK_SH = join(repoRoot, 'examples', 'stack', 'stack.sh');
const P = `pgr${process.pid}`;
const OPS = `${P}_ops`;
const {env} = stackConfig(['audit: required'], {opsSchema: OPS});
let skip: string | undefined;

function stackSh(...args: string[]): void {
  execFileSync('bash', [STACK_SH, ...args], {stdio: 'ignore', env: {...process.env}});
}

/** Stops PostgreSQL (fast shutdown: sessions are cut) and starts it again; returns when it accepts connections. */
function restartPostgres(): {downAt: number; upAt: number} {
  const downAt = Date.now();
  stackSh('stop', 'pg');
  stackSh('start', 'pg');
  return {downAt, upAt: Date.now()};
}

async function waitPostgres(): Promise<void> {
  await eventually(
    async () =>
      (await sql('target', 'SELECT 1').then(
        () => true,
        () => false,
      )) === true,
    60_000,
    500,
  );
}

describe('PostgreSQL restarted while cdcctl works', {timeout: 600_000}, () => {
  before(async () => {
    skip = await requireStack();
  });

  after(async () => {
    if (skip) return;
    await waitPostgres();
    await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
  });

  describe('audit', () => {
    const N = 24;
    const names = Array.from({length: N}, (_, i) => `${P}-fs-${String(i).padStart(2, '0')}`);

    before(async () => {
      if (skip) return;
      const input = join(tempDir('pgr-'), 'in.txt');
      writeFileSync(input, 'a\n');
      for (const name of names) {
        const put = await connectRaw('PUT', `/connectors/${name}/config`, {
          'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
          file: input,
          topic: `${P}-topic`,
          'tasks.max': '1',
        });
        assert.ok(put.status < 300, JSON.stringify(put.body));
      }
      // the store's schema exists before the restart (migrations are not what this test is about)
      const v = await runCli(['audit', 'verify'], {env});
      assert.equal(v.code, 0, v.stderr);
    });

    after(async () => {
      for (const name of names) await connectRaw('DELETE', `/connectors/${name}`).catch(() => {});
    });

    it('no change without its audit record, and the chain verifies', async (t) => {
      if (skip) return t.skip(skip);
      // one `connectors pause` per connector, 150 ms apart, PostgreSQL restarted ~1 s in
      const runs: Array<Promise<CliResult>> = [];
      let restart: {downAt: number; upAt: number} | undefined;
      const starts: number[] = [];
      for (const [i, name] of names.entries()) {
        starts.push(Date.now());
        runs.push(startCli(['connectors', 'pause', name, '--yes', '--wait'], {env}).done);
        if (i === 6) restart = restartPostgres();
        else await new Promise((r) => setTimeout(r, 150));
      }
      const results = await Promise.all(runs);
      await waitPostgres();
      t.diagnostic(`restart ${restart ? restart.upAt - restart.downAt : '?'} ms`);
      const states = (await connectRaw('GET', '/connectors?expand=status')).body as Record<
        string,
        {status: {connector: {state: string}}}
      >;
      const audited = await sql<{target: string; result: string}>(
        'target',
        `SELECT targets->>0 AS target, result FROM ${OPS}._cdc_audit_log WHERE command = 'connectors:pause'`,
      );
      const recorded = new Map(audited.map((a) => [a.target, a.result]));
      for (const [i, name] of names.entries()) {
        const r = results[i] as CliResult;
        const paused = states[name]?.status.connector.state === 'PAUSED';
        // the invariant whatever the timing: no change without its record
        if (paused)
          assert.ok(recorded.has(name), `${name} was paused without an audit record (exit ${r.code}: ${r.stderr})`);
        // and through a restart of a second or so, every run waits for the store rather than fail
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        assert.ok(paused, `${name}: exit 0 but not paused`);
        assert.equal(recorded.get(name), 'ok', `${name}: exit 0, its record says ${recorded.get(name)}`);
      }
      const waited = results.filter((r) => /operational store does not answer .*trying again/.test(r.stderr));
      t.diagnostic(`${waited.length} run(s) waited for the store`);
      assert.ok(waited.length > 0, 'the restart happened while runs needed the store');
      const v = await runCli(['audit', 'verify', '--json'], {env});
      assert.equal(v.code, 0, v.stdout + v.stderr);
    });
  });
});
