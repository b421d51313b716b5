import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join, normalize, relative, sep} from 'node:path';
import {describe, it} from 'node:test';
import ts from 'typescript';
import {repoRoot} from '../helpers.js';

/**
 * The layering of DESIGN.md ("Layers (imports point down only)"), checked on the import statements
 * of src/**: no folder imports a folder above it, no two folders import each other, renderers take
 * only the types of services, and oclif stays on the command side. Folders are matched by path
 * pattern (a file moved within its folder, or from src/ into src/cli/, keeps its layer), so the
 * check follows the tree rather than a list of files.
 *
 * What does not hold yet is listed in ALLOWED with its reason. A new import that runs back up
 * fails here; an entry that no longer matches any import fails too, so the list only shrinks.
 */

/** One layer of the tree, top to bottom; a file imports only from its own layer or below. */
const LAYERS: Array<{name: string; rank: number; matches: (path: string) => boolean}> = [
  {
    name: 'commands',
    rank: 8,
    matches: (p) => /^src\/(commands|hooks)\//.test(p) || /^src\/(help|main)\.ts$/.test(p),
  },
  // What commands share; base-command.ts, flags.ts and the *-command.ts bases count wherever they live.
  {
    name: 'cli',
    rank: 7,
    matches: (p) => /^src\/cli\//.test(p) || /^src\/(base-command|flags|[\w-]+-command)\.ts$/.test(p),
  },
  {name: 'output', rank: 6, matches: (p) => /^src\/output\//.test(p)},
  {name: 'services', rank: 5, matches: (p) => /^src\/services\//.test(p)},
  {name: 'store', rank: 4, matches: (p) => /^src\/store\//.test(p)},
  {name: 'clients', rank: 3, matches: (p) => /^src\/clients\//.test(p)},
  // The run context and its logger.
  {name: 'runtime', rank: 2, matches: (p) => /^src\/(runtime|log)\.ts$/.test(p) || /^src\/runtime\//.test(p)},
  {name: 'config', rank: 1, matches: (p) => /^src\/config\//.test(p)},
  // errors, small pure helpers, and the module-loading shims (argv, cjs, entry-url).
  {name: 'base', rank: 0, matches: (p) => /^src\/util\//.test(p) || /^src\/[\w-]+\.ts$/.test(p)},
];

/** Packages that only the command side may import. */
const COMMAND_SIDE_PACKAGES = /^@oclif\//;

/**
 * Libraries with one home: only that module imports them, everything else uses its functions
 * (issue 20, move 8: the Kafka client library behind src/clients/kafka.ts, so that replacing it
 * is a change to that file alone).
 */
const PACKAGE_HOMES: Array<{packages: RegExp; home: string}> = [
  {packages: /^@platformatic\/kafka(\/|$)/, home: 'src/clients/kafka.ts'},
];

/** Libraries retired from the product (issue 20: one Kafka client): no source imports them, none ships. */
const RETIRED_PACKAGES = /^kafkajs(\/|$)/;

interface Allowed {
  /** `<from unit> -> <to unit>` for an upward or value import, `<unit> <-> <unit> …` for a cycle. */
  key: string;
  reason: string;
}

const ALLOWED: Allowed[] = [];

interface Import {
  file: string;
  specifier: string;
  /** The imported file (src/…), or undefined for a package. */
  target?: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every import of a file: static, re-exports, dynamic `import()` and `import('…')` types. */
function importsOf(absolute: string): Import[] {
  const file = relative(repoRoot, absolute).split(sep).join('/');
  const source = ts.createSourceFile(absolute, readFileSync(absolute, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const target = specifier.startsWith('.')
      ? relative(repoRoot, normalize(join(dirname(absolute), specifier)))
          .split(sep)
          .join('/')
          .replace(/\.js$/, '.ts')
      : undefined;
    found.push({file, specifier, target, typeOnly});
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedAreTypes =
        !!clause &&
        !clause.name &&
        !!named &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, !!clause && (clause.isTypeOnly || allNamedAreTypes));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function layerOf(path: string) {
  const layer = LAYERS.find((l) => l.matches(path));
  assert.ok(layer, `${path} belongs to no layer: add its folder to LAYERS in test/unit/layering.test.ts`);
  return layer;
}

/** The folder a file counts in: each area of services on its own, otherwise its layer. */
function unitOf(path: string): string {
  const area = /^src\/services\/([^/]+)\//.exec(path);
  return area ? `services/${area[1]}` : layerOf(path).name;
}

const imports = sourceFiles(join(repoRoot, 'src')).flatMap(importsOf);
const local = imports.filter((i): i is Import & {target: string} => i.target?.startsWith('src/') ?? false);

/** Folder-level violations, each with the imports behind it. */
function violations(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const note = (key: string, why: string) => out.set(key, [...(out.get(key) ?? []), why]);

  for (const i of local) {
    const from = layerOf(i.file);
    const to = layerOf(i.target);
    const line = `${i.file} imports ${i.specifier}${i.typeOnly ? ' (types)' : ''}`;
    if (to.rank > from.rank) note(`${unitOf(i.file)} -> ${unitOf(i.target)}`, line);
    // A renderer may take the types of service results, never service functions.
    if (from.name === 'output' && to.name === 'services' && !i.typeOnly)
      note(`output -> ${unitOf(i.target)} (value)`, line);
  }
  for (const i of imports) {
    if (i.target === undefined && COMMAND_SIDE_PACKAGES.test(i.specifier) && layerOf(i.file).rank < 7)
      note(`${unitOf(i.file)} -> ${i.specifier}`, `${i.file} imports ${i.specifier}`);
    if (i.target === undefined && RETIRED_PACKAGES.test(i.specifier))
      note(`${unitOf(i.file)} -> ${i.specifier} (retired)`, `${i.file} imports ${i.specifier}`);
    for (const h of PACKAGE_HOMES) {
      if (i.target === undefined && h.packages.test(i.specifier) && i.file !== h.home)
        note(`${unitOf(i.file)} -> ${i.specifier} (only ${h.home})`, `${i.file} imports ${i.specifier}`);
    }
  }

  // Folder-level cycles among the folders of one layer (the areas of services): the strongly
  // connected components of their import graph. Across layers a cycle needs an upward import,
  // which is reported above. Types count: a two-way tie between folders is a knot whether or not
  // it survives compilation.
  const edges = new Map<string, Map<string, string>>();
  for (const i of local) {
    const from = unitOf(i.file);
    const to = unitOf(i.target);
    if (from === to || layerOf(i.file) !== layerOf(i.target)) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    edges.get(from)?.set(to, `${i.file} imports ${i.specifier}`);
  }
  for (const component of stronglyConnected(edges)) {
    if (component.length < 2) continue;
    const members = new Set(component);
    const lines = component.flatMap((u) =>
      [...(edges.get(u) ?? [])].filter(([to]) => members.has(to)).map(([to, line]) => `${u} -> ${to}: ${line}`),
    );
    note(component.sort().join(' <-> '), lines.join('\n      '));
  }
  return out;
}

/** Tarjan's algorithm. */
function stronglyConnected(edges: Map<string, Map<string, string>>): string[][] {
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const v of nodes) if (!index.has(v)) connect(v);
  return components;
}

describe('layering (DESIGN.md: imports point down only)', () => {
  const found = violations();
  const allowed = new Set(ALLOWED.map((a) => a.key));

  it('reads the imports of src/', () => {
    // The parser must see the imports it judges: the tree has hundreds of local imports, type-only
    // ones among them, and commands import oclif.
    assert.ok(local.length > 500, `only ${local.length} local imports found`);
    assert.ok(local.some((i) => i.typeOnly));
    assert.ok(imports.some((i) => i.file.startsWith('src/commands/') && i.specifier === '@oclif/core'));
    for (const h of PACKAGE_HOMES)
      assert.ok(
        imports.some((i) => i.file === h.home && h.packages.test(i.specifier)),
        `${h.home} imports its packages`,
      );
  });

  it('a retired library is no runtime dependency (tests may keep it as an independent client)', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    assert.deepEqual(
      Object.keys(pkg.dependencies ?? {}).filter((name) => RETIRED_PACKAGES.test(name)),
      [],
    );
  });

  it('no import runs back up and no two folders import each other, beyond the allow-list', () => {
    const unexpected = [...found].filter(([key]) => !allowed.has(key));
    assert.deepEqual(
      unexpected.map(([key, lines]) => `${key}\n      ${lines.join('\n      ')}`),
      [],
      'new upward imports or folder cycles: make them point down (DESIGN.md), do not extend ALLOWED',
    );
  });

  it('every allow-list entry still matches an import (remove the ones that were fixed)', () => {
    assert.deepEqual(
      ALLOWED.filter((a) => !found.has(a.key)).map((a) => a.key),
      [],
    );
    for (const a of ALLOWED) assert.ok(a.reason.length > 20, `${a.key}: say why it remains`);
  });

  it('judges the rules of DESIGN.md on examples', () => {
    // The rules themselves, on made-up paths: the patterns above must place each folder in its layer.
    const up = (from: string, to: string) => layerOf(to).rank > layerOf(from).rank;
    assert.ok(up('src/store/x.ts', 'src/services/audit/y.ts'), 'store imports no service');
    for (const to of ['src/services/a/y.ts', 'src/store/y.ts', 'src/output/y.ts', 'src/commands/a/y.ts'])
      assert.ok(up('src/clients/x.ts', to), `clients import nothing from ${to}`);
    for (const to of ['src/commands/a/y.ts', 'src/cli/y.ts', 'src/base-command.ts', 'src/flags.ts'])
      assert.ok(up('src/services/a/x.ts', to), `services import nothing from ${to}`);
    for (const from of ['src/runtime.ts', 'src/services/a/x.ts'])
      assert.ok(up(from, 'src/output/render.ts'), `${from} imports no renderer`);
    assert.ok(!up('src/output/x.ts', 'src/services/a/types.ts'), 'renderers may take service types');
    assert.ok(!up('src/services/a/x.ts', 'src/log.ts'), 'services may log');
    assert.equal(unitOf('src/services/reconcile/engine/phase.ts'), 'services/reconcile');
    assert.equal(unitOf('src/cli/flags/dlq.ts'), 'cli');
  });
});
