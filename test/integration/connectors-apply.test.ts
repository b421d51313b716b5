import assert from 'node:assert/strict';
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {eventually, json, runCli, tempConfig, tempDir} from '../helpers.js';
import {connectRaw, deleteConnectors, env, fileSourceConfig, requireStack} from './stack.js';

/**
 * `connectors apply` validates every definition before writing any (real Kafka Connect): one file
 * naming a plugin the worker does not have, or a value its plugin rejects, writes nothing, and every
 * file gets its own result.
 */

const prefix = `it-apply-${process.pid}`;
const good = [1, 2].map((i) => `${prefix}-fs-${i}`);
const bad = `${prefix}-bad`;
const dir = tempDir();
let skip: string | undefined;

function definition(name: string, config: Record<string, string> = {}) {
  return {
    name,
    config: fileSourceConfig(join(dir, 'input.txt'), `${prefix}-topic`, config),
  };
}

/** A directory with the two good definitions and, when given, a third one. */
function defsDir(sub: string, third?: object): string {
  const d = join(dir, sub);
  mkdirSync(d);
  for (const n of good) writeFileSync(join(d, `${n}.json`), JSON.stringify(definition(n)));
  if (third) writeFileSync(join(d, `${bad}.json`), JSON.stringify(third));
  return d;
}

async function exists(name: string): Promise<boolean> {
  return (await connectRaw('GET', `/connectors/${name}`)).status === 200;
}

interface Result {
  name: string;
  source: string;
  action: string;
  applied: boolean;
  errors: Array<{key: string; messages: string[]}>;
  skipped?: string;
}

describe('connectors apply: validate all, then write (real Kafka Connect)', () => {
  before(async () => {
    skip = await requireStack();
    if (!skip) writeFileSync(join(dir, 'input.txt'), 'one\n');
  });
  after(async () => {
    if (!skip) await deleteConnectors([...good, bad, `${prefix}-pruned`]);
    rmSync(dir, {recursive: true, force: true});
  });

  it('an unknown connector.class writes nothing and is reported for its file (exit 2, no raw 500)', async (t) => {
    if (skip) return t.skip(skip);
    const defs = defsDir('unknown', definition(bad, {'connector.class': 'com.example.NoSuchConnector'}));
    const r = await runCli(['connectors', 'apply', '-f', defs, '--json'], {env});
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const results = json<Result[]>(r);
    const byName = new Map(results.map((x) => [x.name, x]));
    assert.deepEqual([...byName.keys()].sort(), [...good, bad].sort(), 'one result per file');
    const b = byName.get(bad)!;
    assert.equal(b.action, 'invalid');
    assert.equal(b.source, join(defs, `${bad}.json`));
    assert.equal(b.errors[0]?.key, 'connector.class');
    assert.match(
      b.errors[0]!.messages[0]!,
      /no connector plugin com\.example\.NoSuchConnector on the worker \(installed: .*FileStreamSourceConnector/,
    );
    for (const n of good) {
      const x = byName.get(n)!;
      assert.equal(x.action, 'create');
      assert.equal(x.applied, false);
      assert.match(x.skipped ?? '', /nothing was written/);
    }
    for (const n of [...good, bad]) assert.equal(await exists(n), false, `${n} must not have been created`);

    const text = await runCli(['connectors', 'apply', '-f', defs], {env});
    assert.equal(text.code, 2);
    assert.match(text.stdout, new RegExp(`${bad}: invalid  \\(.*${bad}\\.json\\)`));
    assert.match(text.stdout, new RegExp(`${good[0]}: create \\(not applied\\)`));
    assert.match(text.stdout, /nothing was written/);
    assert.doesNotMatch(text.stdout + text.stderr, /500|BadRequestException|PluginDesc/);
  });

  it('a value the plugin rejects holds back the others too; a plugin alias is accepted', async (t) => {
    if (skip) return t.skip(skip);
    const defs = defsDir('invalid-value', definition(bad, {'connector.class': 'FileStreamSource', 'tasks.max': 'x'}));
    const r = await runCli(['connectors', 'apply', '-f', defs, '--json'], {env});
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const b = json<Result[]>(r).find((x) => x.name === bad)!;
    assert.equal(b.action, 'invalid');
    assert.deepEqual(
      b.errors.map((e) => e.key),
      ['tasks.max'],
      'the alias FileStreamSource is a known plugin; only tasks.max is wrong',
    );
    for (const n of good) assert.equal(await exists(n), false);
  });

  it('--prune deletes nothing (and asks nothing) while a definition is invalid', async (t) => {
    if (skip) return t.skip(skip);
    const extra = `${prefix}-pruned`;
    await connectRaw('PUT', `/connectors/${extra}/config`, definition(extra).config);
    const defs = defsDir('prune', definition(bad, {'connector.class': 'com.example.NoSuchConnector'}));
    const r = await runCli(['connectors', 'apply', '-f', defs, '--prune', '--selector', `${prefix}-*`], {env});
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, /confirmation/, 'validation fails before the prune is confirmed');
    assert.match(r.stdout, new RegExp(`${extra}: delete \\(not applied\\)`));
    assert.equal(await exists(extra), true);
  });

  it('when every file is valid, all are created', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['connectors', 'apply', '-f', defsDir('valid'), '--json'], {env});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(
      json<Result[]>(r).map((x) => [x.name, x.action, x.applied]),
      good.map((n) => [n, 'create', true]),
    );
    // the worker answers the create before every GET sees it
    await eventually(async () => (await Promise.all(good.map(exists))).every(Boolean), 30_000);
  });

  it('an unreachable worker is exit 4', async (t) => {
    if (skip) return t.skip(skip);
    const down = tempConfig('current-context: down\ncontexts:\n  down:\n    connect: {url: "http://127.0.0.1:9"}\n');
    const r = await runCli(['connectors', 'apply', '-f', join(dir, 'valid')], {env: down.env});
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /^Error: .*127\.0\.0\.1:9/m);
  });
});
