import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {json, runCli, tempConfig, tempDir} from '../helpers.js';

/**
 * schemas against the real Apicurio Registry of the local stack (Confluent API at /apis/ccompat/v7):
 * register → evolve → diff → history → an incompatible change is rejected → delete soft then hard.
 */
const REGISTRY = 'http://127.0.0.1:8080/apis/ccompat/v7';
const {env} = tempConfig(`current-context: local\ncontexts:\n  local:\n    schemaRegistry: {url: "${REGISTRY}"}\n`);
const subject = `i7-${process.pid}-customers-value`;
const jsonSubject = `i7-${process.pid}-orders-json`;
const dir = tempDir('cdcctl-schemas-');

async function registryUp(): Promise<boolean> {
  try {
    return (await fetch(`${REGISTRY}/subjects`, {signal: AbortSignal.timeout(3000)})).ok;
  } catch {
    return false;
  }
}
const skip = (await registryUp())
  ? undefined
  : `Schema Registry not reachable at ${REGISTRY} (stack.sh up starts Apicurio)`;
if (skip && process.env.CI) throw new Error(skip);

function file(name: string, schema: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(schema, null, 2));
  return p;
}

const v1 = file('v1.avsc', {
  type: 'record',
  name: 'Customer',
  namespace: 'inventory',
  fields: [
    {name: 'id', type: 'int'},
    {name: 'first_name', type: 'string'},
    {name: 'status', type: {type: 'enum', name: 'Status', symbols: ['ACTIVE', 'CLOSED']}},
  ],
});
const v2 = file('v2.avsc', {
  type: 'record',
  name: 'Customer',
  namespace: 'inventory',
  fields: [
    {name: 'id', type: 'long'},
    {name: 'given_name', type: 'string', aliases: ['first_name'], default: ''},
    {name: 'status', type: {type: 'enum', name: 'Status', symbols: ['ACTIVE', 'CLOSED']}},
    {name: 'email', type: ['null', 'string'], default: null, doc: 'contact address'},
  ],
});
const bad = file('bad.avsc', {
  type: 'record',
  name: 'Customer',
  namespace: 'inventory',
  fields: [
    {name: 'id', type: 'string'},
    {name: 'phone', type: 'string'},
  ],
});

async function rawDelete(s: string): Promise<void> {
  await fetch(`${REGISTRY}/subjects/${encodeURIComponent(s)}`, {method: 'DELETE'});
  await fetch(`${REGISTRY}/subjects/${encodeURIComponent(s)}?permanent=true`, {method: 'DELETE'});
}

describe('schemas against Apicurio', {skip}, () => {
  after(async () => {
    await rawDelete(subject);
    await rawDelete(jsonSubject);
  });

  it('registers, evolves, diffs, shows history, and rejects an incompatible change', async () => {
    // without a terminal, a subject's level is not changed unconfirmed either (exit 2, nothing set)
    let r = await runCli(['schemas', 'config', 'set', 'FORWARD', '--subject', subject], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /without confirmation/);
    const unset = await fetch(`${REGISTRY}/config/${encodeURIComponent(subject)}`);
    assert.notEqual(
      ((await unset.json().catch(() => ({}))) as {compatibilityLevel?: string}).compatibilityLevel,
      'FORWARD',
    );
    r = await runCli(['schemas', 'config', 'set', 'BACKWARD', '--subject', subject, '--yes'], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['schemas', 'register', subject, '-f', v1, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{action: string; version: number}>(r).action, 'registered');
    r = await runCli(['schemas', 'register', subject, '-f', v2, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const reg2 = json<{action: string; version: number; id: number}>(r);
    assert.equal(reg2.version, 2);
    // idempotent
    r = await runCli(['schemas', 'register', subject, '-f', v2, '--json'], {env});
    assert.equal(json<{action: string; version: number}>(r).action, 'unchanged');

    r = await runCli(['schemas', 'list', '--prefix', `i7-${process.pid}-`, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const list = json<{
      subjects: Array<{subject: string; latestVersion: number; schemaType: string; compatibility: string}>;
    }>(r);
    const mine = list.subjects.find((s) => s.subject === subject);
    assert.deepEqual(
      {v: mine?.latestVersion, t: mine?.schemaType, c: mine?.compatibility},
      {v: 2, t: 'AVRO', c: 'BACKWARD'},
    );

    r = await runCli(['schemas', 'diff', subject, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const d = json<{
      from: number;
      to: number;
      backward: boolean;
      forward: boolean;
      changes: Array<Record<string, unknown>>;
    }>(r);
    assert.deepEqual([d.from, d.to, d.backward, d.forward], [1, 2, true, false]);
    const kinds = d.changes.map((c) => `${c.kind}:${c.path}`).sort();
    assert.deepEqual(kinds, ['added:email', 'default-added:given_name', 'renamed:given_name', 'type-changed:id']);
    const idChange = d.changes.find((c) => c.kind === 'type-changed');
    assert.deepEqual(
      [idChange?.before, idChange?.after, idChange?.backward, idChange?.forward],
      ['int', 'long', true, false],
    );

    r = await runCli(['schemas', 'diff', subject], {env});
    assert.match(r.stdout, /renamed\s+first_name → given_name/);

    r = await runCli(['schemas', 'history', subject, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const h = json<{fields: Array<{path: string; cells: Array<{present: boolean; type?: string; change?: string}>}>}>(
      r,
    );
    const row = (p: string) =>
      h.fields
        .find((f) => f.path === p)
        ?.cells.map((c) => (c.present ? `${c.change ?? ''}${c.type}` : (c.change ?? '-')));
    assert.deepEqual(row('id'), ['int', 'type-changedlong']);
    assert.deepEqual(row('email'), ['-', 'addednull|string']);
    assert.deepEqual(row('first_name'), ['string', 'removed']);

    // incompatible: check explains (exit 3), register refuses (exit 3), forced register is rejected by the registry
    r = await runCli(['schemas', 'check', subject, '-f', bad, '--json'], {env});
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const check = json<{compatible: boolean; analysis: {violations: Array<{path: string}>}}>(r);
    assert.equal(check.compatible, false);
    assert.deepEqual(check.analysis.violations.map((v) => v.path).sort(), ['id', 'phone']);
    r = await runCli(['schemas', 'register', subject, '-f', bad], {env});
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /incompatible/);
    r = await runCli(['schemas', 'register', subject, '-f', bad, '--force', '--yes', '--json'], {env});
    assert.equal(r.code, 3, r.stdout);
    assert.equal(json<{error: {code: string}}>(r).error.code, 'INCOMPATIBLE_SCHEMA');
    r = await runCli(['schemas', 'versions', subject, '--json'], {env});
    assert.deepEqual(
      json<{versions: Array<{version: number}>}>(r).versions.map((v) => v.version),
      [1, 2],
    );

    r = await runCli(['schemas', 'show', subject, '--version', '1', '--json'], {env});
    assert.equal(json<{version: number; schemaType: string}>(r).schemaType, 'AVRO');
    r = await runCli(['schemas', 'show', `i7-${process.pid}-nope`], {env});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not found/);
  });

  it('diffs JSON Schema as text', async () => {
    const a = file('o1.json', {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {id: {type: 'integer'}},
    });
    const b = file('o2.json', {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {id: {type: 'integer'}, total: {type: 'number'}},
    });
    let r = await runCli(['schemas', 'register', jsonSubject, '-f', a, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['schemas', 'register', jsonSubject, '-f', b, '--force', '--yes', '--json'], {env});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = await runCli(['schemas', 'diff', jsonSubject, '--json'], {env});
    const d = json<{schemaType: string; text: Array<{op: string; text: string}>}>(r);
    assert.equal(d.schemaType, 'JSON');
    assert.ok(
      d.text.some((l) => l.op === '+' && l.text.includes('"total"')),
      JSON.stringify(d.text),
    );
  });

  it('deletes soft, then permanently, with confirmation', async () => {
    let r = await runCli(['schemas', 'delete', subject], {env});
    assert.equal(r.code, 2, 'no terminal and no --yes: refused');
    r = await runCli(['schemas', 'delete', subject, '--version', '1', '--yes', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(json<{softDeletedNow: number[]}>(r).softDeletedNow, [1]);
    r = await runCli(['schemas', 'versions', subject, '--deleted', '--json'], {env});
    assert.deepEqual(
      json<{versions: Array<{version: number; deleted: boolean}>}>(r).versions.map((v) => [v.version, v.deleted]),
      [
        [1, true],
        [2, false],
      ],
    );
    r = await runCli(['schemas', 'delete', subject, '--permanent', '--dry-run', '--json'], {env});
    assert.deepEqual(json<{versions: number[]; dryRun: boolean}>(r).versions, [1, 2]);
    r = await runCli(['schemas', 'delete', subject, '--permanent', '--yes', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(json<{permanentlyDeleted: number[]}>(r).permanentlyDeleted.sort(), [1, 2]);
    r = await runCli(['schemas', 'list', '--deleted', '--prefix', subject, '--json', '--names-only'], {env});
    assert.deepEqual(json<{subjects: unknown[]}>(r).subjects, []);
  });
});
