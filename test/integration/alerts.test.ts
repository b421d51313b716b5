import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {after, describe, it} from 'node:test';
import {eventually, json, runCli, tempConfig} from '../helpers.js';
import {RE2_CORPUS} from '../unit/re2-corpus.js';

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
    r = await runCli(['alerts', 'groups', `connector=${connector}`, '--json'], {env});
    assert.deepEqual(json(r), [], 'groups default to active alerts too (--state active)');
    r = await runCli(['alerts', 'groups', `connector=${connector}`, '--state', 'silenced', '--json'], {env});
    const groups = json<Array<{counts: Record<string, number>}>>(r);
    assert.deepEqual(
      groups.map((g) => g.counts),
      [{active: 0, silenced: 1, inhibited: 0, unprocessed: 0}],
    );

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

  it("checks matchers and dry runs with Alertmanager's own rules (RE2, empty-matching silences, label names)", async () => {
    const now = Date.now();
    const post = async (path: string, body: unknown) =>
      fetch(`${AM}/api/v2/${path}`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify(body),
      });
    const silence = (matchers: unknown[]) => ({
      matchers,
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 60_000).toISOString(),
      createdBy: 'cdcctl-test',
      comment: `i19 re2 probe ${process.pid}`,
    });
    const named = {name: 'alertname', value: `I19Probe${process.pid}`, isRegex: false, isEqual: true};
    // the recorded corpus is still what the real server says
    const differs: string[] = [];
    for (const [pattern, verdict] of RE2_CORPUS) {
      const regex = {name: 'probe', value: pattern, isRegex: true, isEqual: true};
      const compiles = await post('silences', silence([regex, named]));
      const alone = compiles.ok ? await post('silences', silence([regex])) : undefined;
      for (const res of [compiles, alone]) {
        if (res?.ok) silences.push(((await res.json()) as {silenceID: string}).silenceID);
        else await res?.text();
      }
      const server = !compiles.ok ? 'invalid' : alone?.ok ? 'non-empty' : 'matches-empty';
      if (server !== verdict) differs.push(`${JSON.stringify(pattern)}: Alertmanager ${server}, recorded ${verdict}`);
    }
    assert.deepEqual(differs, []);

    // (?i) is RE2: amtool accepts it, and so does cdcctl
    const amtool = execFileSync('amtool', [`--alertmanager.url=${AM}`, 'silence', 'query', 'alertname=~"(?i)cdc.*"'], {
      encoding: 'utf8',
    });
    assert.match(amtool, /^ID/);
    let r = await runCli(['alerts', 'list', 'alertname=~"(?i)cdc.*"', '--all', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    // --receiver is compiled by Alertmanager too
    const receiverRes = await fetch(`${AM}/api/v2/alerts?receiver=${encodeURIComponent('(?=x)')}`);
    assert.equal(receiverRes.status, 400);
    r = await runCli(['alerts', 'list', '--receiver', '(?=x)'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bad regex in --receiver/);
    r = await runCli(['alerts', 'groups', '--receiver', '(?i)DEFAULT.*', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);

    // dry runs answer as the server would: every case the server refuses, the dry run refuses (exit 2)
    const refusedSilences: Array<{args: string[]; matchers: unknown[]}> = [
      {args: ['alertname=~".*"'], matchers: [{name: 'alertname', value: '.*', isRegex: true, isEqual: true}]},
      {
        args: ['team=""', 'env=~"(?i)(prod)?"'],
        matchers: [
          {name: 'team', value: '', isRegex: false, isEqual: true},
          {name: 'env', value: '(?i)(prod)?', isRegex: true, isEqual: true},
        ],
      },
      {args: ['x=~"(?=a)b"'], matchers: [{name: 'x', value: '(?=a)b', isRegex: true, isEqual: true}]},
    ];
    for (const c of refusedSilences) {
      const res = await post('silences', silence(c.matchers));
      assert.equal(res.status, 400, `Alertmanager refuses ${c.args.join(' ')}: ${await res.text()}`);
      r = await runCli(['alerts', 'silence', 'add', ...c.args, '-c', 'probe', '--dry-run'], {env});
      assert.equal(r.code, 2, `dry run of ${c.args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    for (const args of [
      [`alertname=~"(?i)I19Probe${process.pid}"`, 'env=""'],
      ['env!=x', 'team=~".*"'],
    ]) {
      r = await runCli(['alerts', 'silence', 'add', ...args, '-c', 'probe', '--dry-run'], {env});
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      const matchers = args.map((a) => {
        const [, name, op, value] = /^(\w+)(=~|!=|=)"?(.*?)"?$/.exec(a) as unknown as [string, string, string, string];
        return {name, value, isRegex: op === '=~', isEqual: op !== '!='};
      });
      const res = await post('silences', silence(matchers));
      assert.equal(res.status, 200, `Alertmanager accepts ${args.join(' ')} too`);
      silences.push(((await res.json()) as {silenceID: string}).silenceID);
    }

    const alert = (labels: Record<string, string>, annotations: Record<string, string> = {}) => [
      {labels, annotations, startsAt: new Date(now).toISOString(), endsAt: new Date(now + 5000).toISOString()},
    ];
    for (const [flag, labels, annotations] of [
      ['a.b=x', {alertname: `I19Probe${process.pid}`, 'a.b': 'x'}, {}],
      ['1st=x', {alertname: `I19Probe${process.pid}`, '1st': 'x'}, {}],
    ] as const) {
      const res = await post('alerts', alert(labels, annotations));
      assert.equal(res.status, 400, `Alertmanager refuses the label ${flag}: ${await res.text()}`);
      r = await runCli(['alerts', 'fire', '--label', flag, '--dry-run'], {env});
      assert.equal(r.code, 2, `dry run with --label ${flag}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /invalid label name/);
    }
  });
});
