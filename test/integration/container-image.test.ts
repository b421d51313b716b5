import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {parse} from 'yaml';
import {json, repoRoot, runCli} from '../helpers.js';
import {cassandraClient, PG, requireStack, sql, stackConfig} from './stack.js';

/**
 * The container image (examples/container): built by its build.sh (.ci/run builds it before the tests;
 * here it is built again, a cache hit when nothing changed, so the image is never older than the
 * checkout), run by podman on the host network against the local stack: `--version`, `pipeline status`
 * with examples/config/local.yaml mounted, and the Kubernetes Indexed Job of
 * examples/reconcile/indexed-job.yaml — its own command line, two indexes at once — whose run must
 * merge in the store as a sharded run does. Skipped without podman, except under CI.
 */
const id = `ci${process.pid}`;
const tableName = `${id}.accounts`;
const ROWS = 2000;
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {version: string}).version;
const image = `localhost/cdcctl:${version}`;
const podmanEnv = {
  ...process.env,
  CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? join(repoRoot, 'examples/container/containers.conf'),
  CDC_PG_PASSWORD: PG.password,
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function run(cmd: string, args: string[], timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, {env: podmanEnv, timeout, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({code, stdout, stderr});
    });
  });
}
/** `podman run` of the image on the host network; the password is passed by name (never on a command line). */
const podmanRun = (opts: string[], args: string[]) =>
  run('podman', [
    'run',
    '--rm',
    '--network',
    'host',
    '--pull',
    'never',
    '--env',
    'CDC_PG_PASSWORD',
    ...opts,
    image,
    ...args,
  ]);

async function podmanMissing(): Promise<string | undefined> {
  if ((await run('podman', ['--version'], 10_000)).code === 0) return undefined;
  const message = 'podman is not installed (apt-get install podman runc; see examples/container/build.sh)';
  if (process.env.CI) throw new Error(message);
  process.stderr.write(`# skipping the container image test: ${message}\n`);
  return message;
}

interface Mismatch {
  kind: string;
  key: {id: string};
  columns: Array<{column: string}>;
}
const signature = (ms: Mismatch[]) =>
  ms.map((m) => `${m.kind} ${m.key.id} ${m.columns.map((c) => c.column).join('+')}`).sort();

describe('container image (podman, host network, real stack)', () => {
  let skip: string | undefined;
  const {path: configPath, env} = stackConfig([
    'reconcile:',
    '  buckets: 1024',
    '  tables:',
    `    - {name: ${tableName}, cassandra: ${id}.accounts, postgres: ${id}.accounts, key: [id], updatedAt: updated_at, writetimeColumn: name}`,
  ]);
  before(async () => {
    skip = (await podmanMissing()) ?? (await requireStack());
  });
  after(async () => {
    if (skip) return;
    // the Job's containers, should a timeout have left them running (--rm removes them otherwise)
    await run('podman', ['rm', '--force', '--ignore', `${id}-job-0`, `${id}-job-1`], 30_000);
    const cass = await cassandraClient();
    await cass.execute(`DROP KEYSPACE IF EXISTS ${id}`).catch(() => {});
    await cass.shutdown();
    await sql('target', `DROP SCHEMA IF EXISTS ${id} CASCADE`).catch(() => {});
    await sql('target', `DELETE FROM cdc_ops.reconcile_runs WHERE options->'tables' ? $1`, [tableName]).catch(() => {});
    for (const shard of ['0/2', '1/2']) {
      const group = Buffer.from(shard).toString('base64url');
      await fetch(`http://127.0.0.1:9091/metrics/job/cdc_reconciliation/table/${tableName}/shard@base64/${group}`, {
        method: 'DELETE',
      }).catch(() => {});
    }
  });

  it('builds, runs as non-root with no secret in it, and answers --version', async (t) => {
    if (skip) return t.skip(skip);
    const built = await run('bash', [join(repoRoot, 'examples/container/build.sh')], 300_000);
    assert.equal(built.code, 0, built.stderr + built.stdout);
    const inspected = await run('podman', ['image', 'inspect', '--format', '{{json .Config}}', image]);
    const config = JSON.parse(inspected.stdout) as {User: string; Entrypoint: string[]; Env: string[]};
    assert.equal(config.User, '10001:10001');
    assert.deepEqual(config.Entrypoint, ['cdcctl']);
    assert.deepEqual(
      config.Env.filter((e) => /PASSWORD|SECRET|TOKEN|KEY/i.test(e)),
      [],
    );
    const v = await podmanRun([], ['--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`^cdcctl/${version.replaceAll('.', '\\.')} linux-x64 node-v22\\.`));
  });

  it('pipeline status with examples/config/local.yaml mounted: a verdict, exit 0 or 3', async (t) => {
    if (skip) return t.skip(skip);
    const r = await podmanRun(
      [
        '-v',
        `${join(repoRoot, 'examples/config/local.yaml')}:/etc/cdcctl/config.yaml:ro`,
        '-e',
        'CDCCTL_CONFIG=/etc/cdcctl/config.yaml',
      ],
      ['pipeline', 'status', '--json'],
    );
    assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}${r.stdout}`);
    const status = JSON.parse(r.stdout) as {verdict: string};
    assert.equal(status.verdict, r.code === 0 ? 'healthy' : 'degraded');
  });

  it("the Indexed Job's command, indexes 0 and 1 of 2 at once: one run, merged in the store", {
    timeout: 240_000,
  }, async (t) => {
    if (skip) return t.skip(skip);
    const seeded = await runCli(
      [
        'reconcile',
        'seed',
        '--cassandra',
        `${id}.accounts`,
        '--postgres',
        `${id}.accounts`,
        '--rows',
        String(ROWS),
        '--drift',
        '0.01',
        '--recreate',
        '--yes',
        '--json',
      ],
      {env},
    );
    assert.equal(seeded.code, 0, seeded.stderr);
    const injected = json<{drift: Array<{kind: string; id: string; column?: string}>}>(seeded).drift;
    const expected = injected.map((d) => `${d.kind} ${d.id} ${d.column ?? ''}`).sort();
    assert.ok(expected.length >= 10);

    // the Job's container, as Kubernetes would run it: command + args, with its table and N swapped for
    // this test's; no alert (Alertmanager is shared by the suite) and no wait before the recheck
    const job = parse(readFileSync(join(repoRoot, 'examples/reconcile/indexed-job.yaml'), 'utf8')) as {
      spec: {completions: number; template: {spec: {containers: Array<{command: string[]; args: string[]}>}}};
    };
    const container = job.spec.template.spec.containers[0];
    assert.ok(container);
    const n = job.spec.completions;
    const script = (container.args[0] as string)
      .replace('--table demo.accounts', `--table ${tableName}`)
      .replace(`"$JOB_COMPLETION_INDEX/${n}"`, '"$JOB_COMPLETION_INDEX/2"')
      .replace('-o json', '-o json --no-alert --recheck-after 0 --workers 1');
    assert.match(
      script,
      new RegExp(`--table ${tableName} --shard "\\$JOB_COMPLETION_INDEX/2" --run-id "rc-\\$RUN_ID"`),
    );
    const [entrypoint, ...commandArgs] = container.command;
    const uid = `${id}-${Date.now()}`;
    const pods = await Promise.all(
      [0, 1].map((index) =>
        podmanRun(
          [
            '--name',
            `${id}-job-${index}`,
            '--entrypoint',
            entrypoint as string,
            '-v',
            `${configPath}:/etc/cdcctl/config.yaml:ro`,
            '-e',
            'CDCCTL_CONFIG=/etc/cdcctl/config.yaml',
            '-e',
            `RUN_ID=${uid}`,
            '-e',
            `JOB_COMPLETION_INDEX=${index}`,
          ],
          [...commandArgs, script],
        ),
      ),
    );
    let scanned = 0;
    for (const pod of pods) {
      // drift is exit 3, which the Job's command turns into a pod success
      assert.equal(pod.code, 0, pod.stderr + pod.stdout);
      const res = JSON.parse(pod.stdout) as {runId: string; tables: Array<{status: string; rowsScanned: number}>};
      assert.equal(res.runId, `rc-${uid}`);
      assert.equal(res.tables[0]?.status, 'drift');
      const read = res.tables[0]?.rowsScanned ?? 0;
      assert.ok(read > 0 && read < ROWS, `each shard reads its own token splits (read ${read} of ${ROWS})`);
      scanned += read;
    }
    assert.equal(scanned, ROWS);

    const shown = await runCli(['reconcile', 'show', `rc-${uid}`, '--json'], {env});
    assert.equal(shown.code, 0, shown.stderr);
    const merged = json<{run: {status: string; shards: number}; mismatches: Mismatch[]}>(shown);
    assert.equal(merged.run.status, 'drift');
    assert.equal(merged.run.shards, 2);
    assert.deepEqual(signature(merged.mismatches), expected);
  });
});
