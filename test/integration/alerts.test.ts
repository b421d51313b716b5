import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {eventually, json, runCli, tempConfig} from '../helpers.js';

/**
 * An alert fired by the shared Prometheus's ConnectorDown rule (1 s evaluation) from a metric this test
 * pushes to the Pushgateway: it shows in `alerts list`, gets silenced, the silence expires, it is
 * active again. Everything carries this process's id; the group is deleted at the end.
 */
const AM = 'http://127.0.0.1:9093';
const PGW = 'http://127.0.0.1:9091';
const PROM = 'http://127.0.0.1:9090';
const {env} = tempConfig(
  `current-context: local\ncontexts:\n  local:\n    alertmanager: {url: "${AM}"}\n    prometheus: {url: "${PROM}"}\n`,
);
const connector = `i7-${process.pid}-sink`;
const job = `cdcctl-i7-test-${process.pid}`;

async function up(url: string): Promise<boolean> {
  try {
    return (await fetch(url, {signal: AbortSignal.timeout(3000)})).ok;
  } catch {
    return false;
  }
}
const skip =
  (await up(`${AM}/-/ready`)) && (await up(`${PGW}/-/ready`)) && (await up(`${PROM}/-/ready`))
    ? undefined
    : 'Alertmanager/Pushgateway/Prometheus of the local stack not running';
if (skip && process.env.CI) throw new Error(skip);

type Row = {alertname: string; state: string; labels: Record<string, string>; severity: string; silencedBy: string[]};
const silences: string[] = [];

describe('alerts from a Prometheus rule, silenced and expired', {skip}, () => {
  after(async () => {
    await fetch(`${PGW}/metrics/job/${job}`, {method: 'DELETE'});
    for (const id of silences) await fetch(`${AM}/api/v2/silence/${id}`, {method: 'DELETE'});
  });

  it('ConnectorDown appears, is silenced, and returns when the silence expires', async () => {
    const push = await fetch(`${PGW}/metrics/job/${job}`, {
      method: 'PUT',
      body: `# TYPE cdc_connector_up gauge\ncdc_connector_up{connector="${connector}"} 0\n`,
    });
    assert.ok(push.ok, `push: ${push.status}`);

    const firing = await eventually(
      async () => {
        const r = await runCli(['alerts', 'list', `connector=${connector}`, '--json'], {env});
        const rows = json<Row[]>(r);
        return rows.find((a) => a.alertname === 'ConnectorDown' && a.state === 'active');
      },
      30_000,
      500,
    );
    assert.equal(firing.severity, 'critical');

    let r = await runCli(['metrics', 'rules', '--firing', '--json'], {env});
    const rules = json<Array<{rules: Array<{name: string; alerts: Array<{labels: Record<string, string>}>}>}>>(r);
    assert.ok(
      rules.some((g) =>
        g.rules.some((x) => x.name === 'ConnectorDown' && x.alerts.some((a) => a.labels.connector === connector)),
      ),
    );

    r = await runCli(['alerts', 'list', 'ConnectorDown', `connector=${connector}`], {env});
    assert.match(r.stdout, new RegExp(`ConnectorDown\\s+critical\\s+active\\s+\\d+s\\s+.*connector=${connector}`));

    r = await runCli(
      ['alerts', 'silence', 'add', `connector=${connector}`, '-c', 'integration test', '-d', '10m', '--json'],
      {env},
    );
    assert.equal(r.code, 0, r.stderr);
    const id = json<{silence: {id: string; createdBy: string}}>(r).silence.id;
    silences.push(id);
    assert.match(json<{silence: {createdBy: string}}>(r).silence.createdBy, /@/);

    await eventually(
      async () => {
        const rows = json<Row[]>(
          await runCli(['alerts', 'list', `connector=${connector}`, '--state', 'silenced', '--json'], {env}),
        );
        return rows.some((a) => a.silencedBy.includes(id));
      },
      15_000,
      500,
    );
    r = await runCli(['alerts', 'list', `connector=${connector}`, '--json'], {env});
    assert.deepEqual(json<Row[]>(r), [], 'a silenced alert is not in the default (active) list');

    r = await runCli(['alerts', 'silence', 'list', '-q'], {env});
    assert.ok(r.stdout.split('\n').includes(id));
    r = await runCli(['alerts', 'silence', 'expire', id], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['alerts', 'silence', 'show', id, '--json'], {env});
    assert.equal(json<{status: {state: string}}>(r).status.state, 'expired');
    r = await runCli(['alerts', 'silence', 'list', '-q'], {env});
    assert.ok(!r.stdout.split('\n').includes(id), 'expired silences are hidden by default');

    await eventually(
      async () => {
        const rows = json<Row[]>(await runCli(['alerts', 'list', `connector=${connector}`, '--json'], {env}));
        return rows.some((a) => a.alertname === 'ConnectorDown' && a.state === 'active');
      },
      15_000,
      500,
    );
  });

  it('fires a test alert (local context: no confirmation), visible with --all only', async () => {
    const label = `test=i7-${process.pid}`;
    let r = await runCli(['alerts', 'fire', '--label', label, '--duration', '30s', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{sent: boolean}>(r).sent, true);
    r = await runCli(['alerts', 'list', label, '--json'], {env});
    assert.equal(json<Row[]>(r)[0]?.alertname, 'CdcctlTestAlert', 'the default test alert counts as a CDC alert');
    r = await runCli(['alerts', 'fire', '--name', 'UnrelatedTest', '--label', label, '--duration', '30s'], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['alerts', 'list', 'UnrelatedTest', label, '--json'], {env});
    assert.deepEqual(json<Row[]>(r), [], 'not a CDC alert: hidden by the default matchers');
    r = await runCli(['alerts', 'list', '--all', 'UnrelatedTest', label, '--json'], {env});
    assert.equal(json<Row[]>(r)[0]?.alertname, 'UnrelatedTest');

    const remote = tempConfig(
      // audit: optional — a remote context otherwise requires an audit store before any mutating run.
      'current-context: prod\ncontexts:\n  prod:\n    audit: optional\n    alertmanager: {url: "http://am.prod.invalid:9093"}\n',
    ).env;
    r = await runCli(['alerts', 'fire'], {env: remote});
    assert.equal(r.code, 2, 'outside local contexts it asks first; without a terminal it refuses');
    assert.match(r.stderr, /without confirmation/);
    r = await runCli(['alerts', 'list', 'bad matcher'], {env});
    assert.equal(r.code, 2);
  });
});
