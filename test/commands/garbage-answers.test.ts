import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {type CliResult, repoRoot, runCli, tempConfig, tempDir} from '../helpers.js';

/**
 * The class-wide sweep of issue 19 item 7: every command of the manifest, run the way a user would,
 * against four broken worlds — every HTTP endpoint answering 200 with an HTML login page, every
 * HTTP endpoint answering 200 with JSON of the wrong shape (an object and an array), every endpoint
 * on a closed port, and every secret an unresolvable reference. Kafka, PostgreSQL and Cassandra sit
 * on a closed port in all of them. Each run must end with one error line, no stack trace, and exit 2
 * (usage/config) or 4 (dependency unreachable or answering garbage) — never 0 (garbage taken as
 * data) nor 1 ("bug in cdcctl").
 *
 * Each command gets its own path prefix on the bad servers (`/<command-id>/connect/…`), so the sweep
 * also checks that a command meant to read from an HTTP service did ask it: an exit 2 from a usage
 * error before any request would prove nothing.
 *
 * Runtime: five worlds × every command, four processes at a time, `--timeout 3s`; closed loopback
 * ports refuse at once (Kafka and Cassandra clients included), so a world takes 30–50 s on two
 * busy cores — the cost of the CLI's start-up a hundred times, not of waiting.
 */

const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<
    string,
    {
      mutating?: boolean;
      args: Record<string, {required?: boolean; options?: string[]}>;
      flags: Record<string, {required?: boolean; options?: string[]; type: string}>;
    }
  >;
};

/**
 * Commands that touch no endpoint of a context: they read or edit the config file, print help, or
 * evaluate the local access policy. Exit 0 is the right answer for them in every world.
 */
const LOCAL_ONLY = new Set([
  'help',
  'config:current-context',
  'config:delete-context',
  'config:get-contexts',
  'config:set-context',
  'config:use-context',
  'config:validate',
  'config:view',
  // the context's access policy (none here: everyone may do everything), no service asked
  'auth:can-i',
  'auth:roles',
  'auth:whoami',
  // the named PromQL queries of the context, printed without asking Prometheus
  'metrics:list',
  // the residency of the configured GDPR tables, read from the context
  'compliance:residency',
  // checks the signature of a report file (here one that is not JSON: exit 2)
  'compliance:verify',
  // checks a webhook signature given on the command line (here none: exit 2)
  'webhooks:verify',
  // the configured quality checks, printed from the context
  'quality:rules',
  // the tuning rules table, printed from the code
  'tune:rules',
]);

/**
 * Commands that read cdcctl's store (PostgreSQL, on a closed port here) before they ask an HTTP
 * service: they end at the store (exit 4) and the sweep cannot reach their HTTP read path.
 */
const STORE_FIRST = new Set([
  'connectors:diff', // the recorded config history
  'connectors:history:sync',
  'connectors:rollback',
  'pipeline:resume-all', // the pause ledger says what pause-all paused
  'tune:baseline:compare', // the stored baseline names the connectors to measure
]);

/**
 * Commands whose answer is a report of each component's state rather than one error: the problems
 * are lines of the report, and the exit code is the verdict (4: down).
 */
const REPORTS = new Set([
  'pipeline:status',
  'config:validate', // every problem of the file, one per line
  'connectors:apply', // one result line per connector (a failure names its cause)
]);

/**
 * Commands whose job is to diagnose: an unreachable or garbled endpoint is a failed check of the report
 * (with its hint), and the exit code is the verdict, 3.
 */
const DIAGNOSES = new Set(['doctor']);

/** Commands whose services are not HTTP ones (Kafka, PostgreSQL, Cassandra, the store): no request to the bad servers is expected. */
const NO_HTTP = new Set([
  'audit:export',
  'audit:list',
  'auth:keys:create',
  'auth:keys:list',
  'auth:keys:revoke',
  'backfill:list',
  'backfill:status',
  'batch:resume',
  'audit:show',
  'audit:verify',
  'compliance:report',
  'compliance:residency',
  'compliance:verify',
  'connectors:history',
  'dlq:discard',
  'dlq:export',
  'dlq:list',
  'dlq:purge',
  'dlq:replay',
  'dlq:show',
  'dlq:summary',
  'dlq:sync',
  'events:sse',
  'events:tail',
  'gdpr:erase',
  'gdpr:fence:install',
  'gdpr:list',
  'gdpr:restore',
  'gdpr:resume',
  'gdpr:status',
  'gdpr:verify',
  'reconcile',
  'reconcile:history',
  'reconcile:repair',
  'reconcile:seed',
  'reconcile:show',
  'store:migrate',
  'store:status',
  'webhooks:add',
  'webhooks:deliveries',
  'webhooks:health',
  'webhooks:list',
  'webhooks:pause',
  'webhooks:redeliver',
  'webhooks:remove',
  'webhooks:resume',
  'webhooks:serve',
  'webhooks:show',
  'webhooks:test',
  'webhooks:update',
  'quality:history',
  'quality:report',
  'quality:rules:validate',
  'quality:run',
  'quality:validate',
  'tune:baseline:delete',
  'tune:baseline:list',
]);

const files = tempDir('cdcctl-sweep-');
const schemaFile = join(files, 'orders.avsc');
writeFileSync(schemaFile, JSON.stringify({type: 'record', name: 'Order', fields: [{name: 'id', type: 'long'}]}));
const offsetsFile = join(files, 'offsets.json');
writeFileSync(
  offsetsFile,
  JSON.stringify({offsets: [{partition: {kafka_topic: 't', kafka_partition: 0}, offset: {kafka_offset: 1}}]}),
);
const reportFile = join(files, 'report.json');
writeFileSync(reportFile, 'not a report\nat all\n');
const connectorFile = join(files, 'sweep-sink.json');
writeFileSync(
  connectorFile,
  JSON.stringify({
    name: 'sweep-sink',
    config: {
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
      topics: 'sweep',
      file: '/tmp/x',
    },
  }),
);

/** Arguments that make a command get as far as asking its services (plausible values, not placeholders). */
const ARGS: Record<string, string[]> = {
  'alerts:silence:add': ['alertname=CdcSweep', '--comment', 'sweep'],
  'alerts:silence:expire': ['0f0c0000-0000-4000-8000-000000000000'],
  'alerts:silence:show': ['0f0c0000-0000-4000-8000-000000000000'],
  'audit:show': ['42'],
  'auth:can-i': ['connectors:list'],
  'compliance:verify': [reportFile],
  'config:delete-context': ['sweep'],
  'config:set-context': ['sweep2'],
  'config:use-context': ['sweep'],
  'backfill:start': ['inventory-source', '--table', 'public.orders'],
  batch: ['-f', join(repoRoot, 'examples/batch/pause-resume.yaml')],
  'connectors:apply': ['-f', connectorFile],
  'connectors:transforms:test': ['inventory-sink', '--from-topic', 'inventory.public.orders', '--limit', '1'],
  'connectors:config:get': ['inventory-sink'],
  'connectors:delete': ['inventory-sink'],
  'connectors:describe': ['inventory-sink'],
  'connectors:diff': ['inventory-sink'],
  'connectors:edit': ['inventory-sink'],
  'connectors:history': ['inventory-sink'],
  'connectors:loggers:set': ['org.apache.kafka.connect', 'INFO'],
  'connectors:offsets:get': ['inventory-sink'],
  'connectors:offsets:reset': ['inventory-sink'],
  'connectors:offsets:set': ['inventory-sink', '-f', offsetsFile],
  'connectors:patch': ['inventory-sink', '--set', 'batch.size=1000'],
  'connectors:pause': ['inventory-sink'],
  'connectors:restart': ['inventory-sink'],
  'connectors:resume': ['inventory-sink'],
  'connectors:stop': ['inventory-sink'],
  'connectors:status': ['inventory-sink'],
  'connectors:plugins:describe': ['io.debezium.connector.jdbc.JdbcSinkConnector'],
  'connectors:rollback': ['inventory-sink'],
  'connectors:tasks:list': ['inventory-sink'],
  'connectors:tasks:restart': ['inventory-sink', '0'],
  'dlq:discard': ['1', '--reason', 'sweep'],
  'dlq:purge': ['--before', '30d'],
  'dlq:replay': ['1'],
  'dlq:show': ['1'],
  'events:tail': ['inventory.public.orders'],
  'jobs:cancel': ['connect-task:inventory-sink/0'],
  'jobs:show': ['connect-task:inventory-sink/0'],
  trace: ['public.orders', '1'],
  'tune:apply': ['sink-batch-size', 'inventory-sink', '--window', '1m'],
  'tune:baseline:save': ['sweep', '--window', '1m'],
  'tune:experiment': ['inventory-sink', '--set', 'batch.size=1000', '--duration', '5s'],
  'trace:find': ['--table', 'public.orders', '--key', '1'],
  'webhooks:add': [
    'sweep',
    '--url',
    'https://hooks.example.com/cdc',
    '--events',
    'connector.state_changed',
    '--secret-ref',
    'generated',
  ],
  'webhooks:redeliver': ['--failed', '--since', '1h'],
  'gdpr:erase': ['--subject', '42', '--reason', 'sweep'],
  'gdpr:restore': ['DSR-sweep'],
  'gdpr:status': ['DSR-sweep'],
  'gdpr:verify': ['DSR-sweep'],
  'metrics:query': ['up'],
  'metrics:range': ['up'],
  'metrics:show': ['consumer-lag'],
  'quality:validate': ['--topic', 'inventory.public.orders', '--rules', 'demo.accounts'],
  'reconcile:repair': ['latest'],
  'reconcile:show': ['latest'],
  'schemas:check': ['orders-value', '-f', schemaFile],
  'schemas:config:set': ['BACKWARD'],
  'schemas:delete': ['orders-value'],
  'schemas:diff': ['orders-value'],
  'schemas:history': ['orders-value'],
  'schemas:mode': ['READONLY'],
  'schemas:register': ['orders-value', '-f', schemaFile],
  'schemas:show': ['orders-value'],
  'schemas:versions': ['orders-value'],
};

/** The argv of one command: its arguments, `--yes` when it changes things, and a short timeout. */
function argvOf(id: string, port: number): string[] {
  const spec = manifest.commands[id];
  assert.ok(spec, id);
  const argv = [...id.split(':')];
  if (ARGS[id]) argv.push(...ARGS[id]);
  else {
    for (const [name, arg] of Object.entries(spec.args ?? {})) {
      if (arg.required) argv.push(arg.options?.[0] ?? `sweep-${name}`);
    }
  }
  if (id === 'events:sse') argv.push('--port', String(port));
  if (spec.flags.yes) argv.push('--yes');
  if (spec.flags.timeout) argv.push('--timeout', '3s');
  return argv;
}

interface World {
  name: string;
  /** Base URL of every HTTP endpoint (a command's prefix is appended). */
  http: string;
  secret: boolean;
}

function configFor(world: World, id: string, closed: number): string {
  const http = `${world.http}/${id.replaceAll(':', '.')}`;
  const secret = world.secret ? '${env:CDCCTL_SWEEP_UNSET}' : 'x';
  const auth = world.secret ? `, auth: {type: bearer, token: "${secret}"}` : '';
  return [
    'current-context: sweep',
    'contexts:',
    '  sweep:',
    ...['connect', 'schemaRegistry', 'alertmanager', 'prometheus', 'pushgateway'].map(
      (key) => `    ${key}: {url: "${http}/${key}"${auth}}`,
    ),
    `    kafka: {brokers: ["127.0.0.1:${closed}"]}`,
    `    postgres: {url: "postgres://cdc@127.0.0.1:${closed}/target", password: "${secret}"}`,
    `    cassandra: {contactPoints: ["127.0.0.1:${closed}"], localDataCenter: datacenter1, username: cdc, password: "${secret}"}`,
    `    debezium: {health: [{name: dbz, kind: server, url: "${http}/debezium"${auth}}]}`,
    `    tracing: {url: "${http}/tracing", kind: zipkin${auth}}`,
    '    audit: optional',
    '    reconcile:',
    '      tables: [{cassandra: demo.accounts, postgres: demo.accounts, key: [id]}]',
    '      sinkConnector: inventory-sink',
    '    quality:',
    '      tables: [{table: demo.accounts, checks: [{type: row_count}, {type: missing, column: name}]}]',
    '    gdpr:',
    '      cassandra: [{keyspace: demo, table: users, subjectColumns: [id]}]',
    '      postgres: [{schema: public, table: users, column: id}]',
    `      backupKey: "${world.secret ? secret : '0'.repeat(64)}"`,
    `      reportKey: "${world.secret ? secret : '0'.repeat(48)}"`,
    '',
  ].join('\n');
}

/** A loopback server answering every request with the same 200 body; records each command's requests by path prefix. */
async function badServer(
  contentType: string,
  body: string,
): Promise<{url: string; hits: Map<string, number>; server: Server}> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const prefix = (req.url ?? '').split('/')[1] ?? '';
    hits.set(prefix, (hits.get(prefix) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {'content-type': contentType});
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server};
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const {port} = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const LOGIN_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form method="post" action="/login">' +
  '<input name="user"><input name="password" type="password"></form></body></html>\n';

/** Runs `tasks` with at most `limit` at a time (the machine has two cores). */
async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({length: limit}, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return results;
}

function problemsOf(id: string, r: CliResult): string[] {
  const problems: string[] = [];
  const allowed = LOCAL_ONLY.has(id) ? [0, 2, 4] : DIAGNOSES.has(id) ? [3] : [2, 4];
  if (!allowed.includes(r.code)) problems.push(`exit ${r.code}`);
  if (/^\s+at /m.test(r.stderr)) problems.push('stack trace');
  if (/bug in cdcctl/.test(r.stderr)) problems.push('"bug in cdcctl"');
  const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('Error: '));
  if (r.code !== 0 && !REPORTS.has(id) && !DIAGNOSES.has(id) && errorLines.length !== 1)
    problems.push(`${errorLines.length} error lines`);
  // the error's message and hint are one line each: nothing but other messages may follow them
  const lines = r.stderr.split('\n');
  const after = lines.findIndex((l) => l.startsWith('Error: '));
  if (after >= 0 && !REPORTS.has(id)) {
    const next = lines[after + 1] ?? '';
    if (next !== '' && !/^(Hint|Warning|Error): /.test(next))
      problems.push(`error continues on a second line: "${next}"`);
  }
  return problems;
}

describe('every command against garbage answers, closed ports and unresolvable secrets', {timeout: 900_000}, () => {
  const ids = Object.keys(manifest.commands).sort();
  const servers: Server[] = [];
  let closed = 0;
  let ssePort = 0;
  const worlds: Array<World & {hits?: Map<string, number>; marker?: RegExp}> = [];

  before(async () => {
    closed = await freePort();
    ssePort = await freePort();
    const html = await badServer('text/html; charset=utf-8', LOGIN_PAGE);
    const object = await badServer('application/json', '{"unexpected":true}');
    // `[1,2,3]` would be a right answer to "the versions of a subject"; no endpoint answers this
    const array = await badServer('application/json', '[{"unexpected":true}]');
    servers.push(html.server, object.server, array.server);
    worlds.push(
      {name: 'HTML login page', http: html.url, secret: false, hits: html.hits, marker: /HTML page/},
      {name: 'JSON object of the wrong shape', http: object.url, secret: false, hits: object.hits, marker: /shape/},
      {name: 'JSON array of the wrong shape', http: array.url, secret: false, hits: array.hits, marker: /shape/},
      {name: 'closed port', http: `http://127.0.0.1:${closed}`, secret: false},
      {name: 'unresolvable secret', http: `http://127.0.0.1:${closed}`, secret: true},
    );
  });

  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  for (const [w, name] of [
    'HTML login page',
    'JSON object of the wrong shape',
    'JSON array of the wrong shape',
    'closed port',
    'unresolvable secret',
  ].entries()) {
    it(`${name}: one error line, no stack trace, exit 2 or 4 for every command`, async () => {
      const world = worlds[w] as (typeof worlds)[number];
      const runs = await pool(
        ids.map((id) => async () => {
          const {env} = tempConfig(configFor(world, id, closed));
          const r = await runCli(argvOf(id, ssePort), {env});
          return {id, r};
        }),
        4,
      );
      const failures: string[] = [];
      for (const {id, r} of runs) {
        const problems = problemsOf(id, r);
        if (world.hits && !LOCAL_ONLY.has(id) && !NO_HTTP.has(id) && !STORE_FIRST.has(id)) {
          if (!world.hits.get(id.replaceAll(':', '.'))) problems.push('never asked its HTTP service');
          else if (world.marker && !world.marker.test(r.stderr + r.stdout)) problems.push('error does not say so');
        }
        if (problems.length > 0) {
          failures.push(`${id} [${problems.join(', ')}]: ${r.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  }
});
