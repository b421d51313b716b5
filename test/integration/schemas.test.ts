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

/** Issue 19 items 27–30 against the real registry: recursion, matched-but-different schemas, new subjects, references, levels. */
describe('schemas: recursion, references, verdicts and levels against Apicurio', {skip}, () => {
  const prefix = `i19-${process.pid}-`;
  const s = (name: string) => `${prefix}${name}`;
  const mine: string[] = [];
  const track = (name: string) => {
    mine.push(name);
    return name;
  };
  after(async () => {
    // newest first: a subject that others reference can only go after them
    for (const name of [...mine].reverse()) await rawDelete(name);
  });
  const setLevel = async (subject: string, level: string) => {
    const r = await runCli(['schemas', 'config', 'set', level, '--subject', subject, '--yes', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
  };

  it('registers, re-registers, checks, diffs and shows the history of a recursive schema', async () => {
    const subject = track(s('tree'));
    const tree = (extra: unknown[]) => ({
      type: 'record',
      name: 'Tree',
      namespace: 'i19',
      fields: [
        {name: 'value', type: 'int'},
        ...extra,
        {name: 'children', type: {type: 'array', items: 'Tree'}, default: []},
        {name: 'parent', type: ['null', 'Tree'], default: null},
      ],
    });
    await setLevel(subject, 'BACKWARD');
    const t1 = file('tree1.avsc', tree([]));
    const t2 = file('tree2.avsc', tree([{name: 'label', type: 'string', default: ''}]));
    const t3 = file(
      'tree3.avsc',
      tree([
        {name: 'label', type: 'string', default: ''},
        {name: 'w', type: 'int'},
      ]),
    );
    let r = await runCli(['schemas', 'register', subject, '-f', t1, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['schemas', 'register', subject, '-f', t1, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{action: string}>(r).action, 'unchanged');
    r = await runCli(['schemas', 'register', subject, '-f', t2, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['schemas', 'check', subject, '-f', t3, '--json'], {env});
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const c = json<{compatible: boolean; analysis: {violations: Array<{kind: string; path: string}>}}>(r);
    assert.deepEqual(
      c.analysis.violations.map((v) => `${v.kind}:${v.path}`),
      ['added:w'],
    );
    r = await runCli(['schemas', 'diff', subject, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const d = json<{backward: boolean; forward: boolean; changes: Array<{kind: string; path: string}>}>(r);
    assert.deepEqual(
      [d.backward, d.forward, d.changes.map((x) => `${x.kind}:${x.path}`)],
      [true, true, ['added:label']],
    );
    r = await runCli(['schemas', 'history', subject, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      json<{fields: Array<{path: string}>}>(r).fields.map((f) => f.path),
      ['value', 'children', 'parent', 'label'],
    );
  });

  it('keeps the registry verdict when it matches a differing schema to an existing version; register says it was dropped', async () => {
    const subject = track(s('enum'));
    const schema = (symbols: string[], extra: Record<string, unknown> = {}) => ({
      type: 'record',
      name: 'R',
      ...extra,
      fields: [{name: 'e', type: {type: 'enum', name: 'E', symbols, ...(extra.enumDefault ? {default: 'A'} : {})}}],
    });
    await setLevel(subject, 'NONE');
    let r = await runCli(['schemas', 'register', subject, '-f', file('e1.avsc', schema(['A', 'B']))], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['schemas', 'register', subject, '-f', file('e2.avsc', schema(['A']))], {env});
    assert.equal(r.code, 0, r.stderr);
    await setLevel(subject, 'FORWARD');
    // version 1 plus a doc: the registry matches it to version 1, and finds it incompatible with version 2
    const variant = file('e1doc.avsc', schema(['A', 'B'], {doc: 'documented'}));
    r = await runCli(['schemas', 'check', subject, '-f', variant, '--json'], {env});
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const c = json<{
      compatible: boolean;
      existing: {version: number; exact: boolean; differences: Array<{kind: string}>};
    }>(r);
    assert.equal(c.compatible, false);
    assert.deepEqual(
      [c.existing.version, c.existing.exact, c.existing.differences.map((x) => x.kind)],
      [1, false, ['doc-changed']],
    );
    r = await runCli(['schemas', 'register', subject, '-f', variant], {env});
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /NOT registered.*version 1/);
    // --force --dry-run of an incompatible schema says what the real run meets
    const bad = file('e3.avsc', schema(['A', 'B', 'C']));
    r = await runCli(['schemas', 'register', subject, '-f', bad, '--force', '--dry-run', '--json'], {env});
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.equal(json<{action: string}>(r).action, 'would-be-rejected');
    r = await runCli(['schemas', 'register', subject, '-f', bad, '--force', '--yes', '--json'], {env});
    assert.equal(r.code, 3, 'and the real run is rejected');
  });

  it('validates a schema for a new subject and reports the global level', async () => {
    const subject = s('new');
    const global = json<{global: string}>(await runCli(['schemas', 'config', 'get', '--json'], {env})).global;
    let r = await runCli(
      [
        'schemas',
        'check',
        subject,
        '-f',
        file('inv.avsc', {type: 'record', name: 'R', fields: [{name: 'a', type: 'nope'}]}),
        '--json',
      ],
      {env},
    );
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(json<{error: {message: string}}>(r).error.message, /unknown type "nope"/);
    r = await runCli(['schemas', 'check', subject, '-f', v1, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const c = json<{compatible: boolean; level: string; levelIsGlobal: boolean; subjectExists: boolean}>(r);
    assert.deepEqual([c.compatible, c.level, c.levelIsGlobal, c.subjectExists], [true, global, true, false]);
  });

  it('checks, registers and diffs schemas with references', async () => {
    const address = track(s('address'));
    const customer = track(s('customer'));
    await setLevel(customer, 'BACKWARD');
    let r = await runCli(
      [
        'schemas',
        'register',
        address,
        '-f',
        file('addr.avsc', {
          type: 'record',
          name: 'Address',
          namespace: 'acme',
          fields: [{name: 'zip', type: 'string'}],
        }),
      ],
      {env},
    );
    assert.equal(r.code, 0, r.stderr);
    const cust = (extra: unknown[]) => ({
      type: 'record',
      name: 'Customer',
      namespace: 'acme',
      fields: [{name: 'home', type: 'acme.Address'}, ...extra],
    });
    const ref = ['--reference', `acme.Address=${address}:1`];
    const c1 = file('c1.avsc', cust([]));
    r = await runCli(['schemas', 'check', customer, '-f', c1, ...ref, '--json'], {env});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = await runCli(['schemas', 'register', customer, '-f', c1, ...ref, '--json'], {env});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = await runCli(['schemas', 'register', customer, '-f', c1, ...ref, '--json'], {env});
    assert.equal(json<{action: string}>(r).action, 'unchanged');
    // a reference to a version that does not exist: a usage error naming it
    r = await runCli(['schemas', 'check', customer, '-f', c1, '--reference', `acme.Address=${address}:9`, '--json'], {
      env,
    });
    assert.equal(r.code, 2);
    assert.match(json<{error: {message: string}}>(r).error.message, /reference acme.Address → .* version 9/);
    // without the reference the type is unknown: refused before the registry
    r = await runCli(['schemas', 'check', customer, '-f', c1, '--json'], {env});
    assert.equal(r.code, 2);
    assert.match(json<{error: {message: string}}>(r).error.message, /unknown type "acme.Address"/);
    const bad = file('c2bad.avsc', cust([{name: 'age', type: 'int'}]));
    r = await runCli(['schemas', 'check', customer, '-f', bad, ...ref, '--json'], {env});
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const c = json<{compatible: boolean; verdictSource: string; registryMessages: string[]}>(r);
    assert.equal(c.verdictSource, 'cdcctl');
    assert.match(c.registryMessages.join('\n'), /age/);
    r = await runCli(['schemas', 'register', customer, '-f', bad, ...ref, '--force', '--yes', '--json'], {env});
    assert.equal(r.code, 3, 'the registry agrees on registration');
    const good = file('c2.avsc', cust([{name: 'age', type: 'int', default: 0}]));
    r = await runCli(['schemas', 'register', customer, '-f', good, ...ref, '--json'], {env});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = await runCli(['schemas', 'diff', customer, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      json<{changes: Array<{kind: string; path: string}>}>(r).changes.map((x) => `${x.kind}:${x.path}`),
      ['added:age'],
    );
    r = await runCli(['schemas', 'show', customer, '--json'], {env});
    assert.deepEqual(
      json<{references: Array<{name: string; subject: string; version: number}>}>(r).references.map((x) => x.subject),
      [address],
    );
  });

  it("tells a subject's own level from the global one, and pins a subject to the global level", async () => {
    const subject = track(s('level'));
    let r = await runCli(['schemas', 'register', subject, '-f', v1], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['schemas', 'config', 'get', '--subject', subject, '--json'], {env});
    const before = json<{level?: string; levelKnown: boolean; global: string; effective: string}>(r);
    assert.deepEqual([before.level, before.levelKnown, before.effective], [undefined, true, before.global]);
    await setLevel(subject, before.global);
    r = await runCli(['schemas', 'config', 'get', '--subject', subject, '--json'], {env});
    const pinned = json<{level?: string; levelKnown: boolean}>(r);
    assert.deepEqual([pinned.level, pinned.levelKnown], [before.global, true]);
  });

  it('lists the versions of a soft-deleted subject without inventing ids', async () => {
    const subject = track(s('gone'));
    let r = await runCli(['schemas', 'register', subject, '-f', v1], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['schemas', 'delete', subject, '--yes'], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['schemas', 'versions', subject, '--deleted', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const v = json<{versions: Array<{version: number; id?: number; schemaType?: string; deleted: boolean}>}>(
      r,
    ).versions;
    assert.equal(v.length, 1);
    assert.equal(v[0]?.deleted, true);
    assert.notEqual(v[0]?.id, -1);
    // Apicurio does not serve it: unknown; a registry that does gives the real id
    if (v[0]?.id === undefined) assert.equal(v[0]?.schemaType, undefined);
  });

  it('diffs decimal precision/scale, enum default and top-level doc changes', async () => {
    const subject = track(s('decimal'));
    await setLevel(subject, 'NONE');
    const schema = (precision: number, doc: string, enumDefault?: string) => ({
      type: 'record',
      name: 'Price',
      doc,
      fields: [
        {name: 'amount', type: {type: 'bytes', logicalType: 'decimal', precision, scale: 2}},
        {
          name: 'cur',
          type: {type: 'enum', name: 'Cur', symbols: ['EUR', 'USD'], ...(enumDefault ? {default: enumDefault} : {})},
        },
      ],
    });
    let r = await runCli(['schemas', 'register', subject, '-f', file('p1.avsc', schema(10, 'price'))], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['schemas', 'register', subject, '-f', file('p2.avsc', schema(12, 'a price', 'EUR'))], {env});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = await runCli(['schemas', 'diff', subject, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const changes = json<{changes: Array<{kind: string; path: string; before?: string; after?: string}>}>(r).changes;
    assert.deepEqual(changes.map((x) => `${x.kind}:${x.path}:${x.before}→${x.after}`).sort(), [
      'doc-changed:(root):price→a price',
      'enum-default-changed:cur:undefined→EUR',
      'logical-changed:amount:decimal(10,2)→decimal(12,2)',
    ]);
  });
});
