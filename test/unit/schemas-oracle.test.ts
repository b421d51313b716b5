import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {diffAvro, parseAvroSchema} from '../../src/services/schemas/avro.js';
import {randomEvolutions} from '../avro-oracle/random-evolutions.js';
import {repoRoot} from '../helpers.js';

/**
 * cdcctl's Avro evolution analysis against Avro's own checker: every writer/reader pair of the corpus
 * (test/avro-oracle/corpus.json) is judged at test time by org.apache.avro.SchemaCompatibility (Java,
 * test/avro-oracle/AvroOracle.java on the classpath test/avro-oracle/fetch.sh resolves from Maven Central),
 * and cdcctl's backward/forward verdicts, and the verdicts its list of changes implies, must equal Avro's.
 */
interface Case {
  name: string;
  expected: {backward: boolean; forward: boolean};
  old: unknown;
  new: unknown;
}
const dir = join(repoRoot, 'test', 'avro-oracle');
const corpusFile = join(dir, 'corpus.json');
const corpus = JSON.parse(readFileSync(corpusFile, 'utf8')) as Case[];
/** Parse-only cases: cdcctl must accept exactly the schemas Avro's parser accepts. */
const parseCorpusFile = join(dir, 'parse-corpus.json');
const parseCorpus = JSON.parse(readFileSync(parseCorpusFile, 'utf8')) as Array<{name: string; schema: unknown}>;
// deep nesting, generated (Avro's parser has a nesting limit; cdcctl's walks recurse)
const nested = (levels: number) => {
  let t: unknown = 'int';
  for (let i = 0; i < levels; i++) t = {type: 'array', items: t};
  return t;
};
for (const levels of [999, 1000, 1001, 3000])
  parseCorpus.push({name: `arrays-nested-${levels}`, schema: nested(levels)});
const generatedParseCorpus = join(mkdtempSync(join(tmpdir(), 'cdcctl-avro-oracle-')), 'parse-corpus.json');
writeFileSync(generatedParseCorpus, JSON.stringify(parseCorpus));

type Verdict = {name: string; backward?: boolean; forward?: boolean; valid?: boolean; error?: string};

function oracleVerdicts(file: string): Verdict[] | string {
  let classpathFile: string;
  try {
    classpathFile = execFileSync('bash', [join(dir, 'fetch.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    return `cannot resolve Avro from Maven (test/avro-oracle/fetch.sh): ${(err as {stderr?: string}).stderr ?? err}`;
  }
  const classpath = readFileSync(classpathFile, 'utf8').trim();
  try {
    execFileSync('java', ['-version'], {stdio: 'ignore'});
  } catch {
    return 'java is not installed';
  }
  // from here on a failure is the oracle's or the corpus's: it fails the test rather than skipping it
  const out = execFileSync('java', ['-Xss16m', '-cp', classpath, join(dir, 'AvroOracle.java'), file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  return JSON.parse(out);
}

// seeded random evolutions, judged by Avro at test time too (CDCCTL_AVRO_SEED explores other seeds)
const seed = Number(process.env.CDCCTL_AVRO_SEED ?? 19);
const randomCases = randomEvolutions(seed, 300);
const randomFile = join(mkdtempSync(join(tmpdir(), 'cdcctl-avro-oracle-')), 'random.json');
writeFileSync(randomFile, JSON.stringify(randomCases));

const oracle = oracleVerdicts(corpusFile);
const parseOracle = typeof oracle === 'string' ? oracle : oracleVerdicts(generatedParseCorpus);
const randomOracle = typeof oracle === 'string' ? oracle : oracleVerdicts(randomFile);
const skip = [oracle, parseOracle, randomOracle].find((o): o is string => typeof o === 'string');
if (skip && process.env.CI) throw new Error(skip);

describe('Avro evolution analysis = Avro SchemaCompatibility', {skip}, () => {
  const verdicts = new Map((oracle as Verdict[]).map((v) => [v.name, v]));

  it('covers the corpus with at least 60 valid evolutions, and its recorded verdicts are Avro’s', () => {
    assert.ok(corpus.length >= 60, `${corpus.length} cases`);
    assert.equal(new Set(corpus.map((c) => c.name)).size, corpus.length, 'case names are unique');
    for (const c of corpus) {
      const v = verdicts.get(c.name);
      assert.equal(v?.error, undefined, `${c.name}: Avro rejects a schema: ${v?.error}`);
      assert.deepEqual({backward: v?.backward, forward: v?.forward}, c.expected, `${c.name}: recorded verdict`);
    }
  });

  for (const c of corpus)
    it(c.name, () => {
      const v = verdicts.get(c.name);
      const want = {backward: v?.backward, forward: v?.forward};
      const d = diffAvro(JSON.stringify(c.old), JSON.stringify(c.new));
      assert.deepEqual({backward: d.backward, forward: d.forward}, want, 'overall verdict');
      // the change list explains the verdict: some change fails a direction exactly when Avro does
      const implied = {backward: d.changes.every((ch) => ch.backward), forward: d.changes.every((ch) => ch.forward)};
      assert.deepEqual(
        implied,
        want,
        `changes: ${JSON.stringify(d.changes.map((ch) => [ch.kind, ch.path, ch.backward, ch.forward]))}`,
      );
      if (!want.backward || !want.forward) assert.ok(d.changes.length > 0, 'an incompatible evolution shows a change');
    });
});

describe('Avro schema validation = Avro Schema.Parser', {skip}, () => {
  const verdicts = new Map((parseOracle as Verdict[]).map((v) => [v.name, v]));
  for (const c of parseCorpus)
    it(c.name, () => {
      const v = verdicts.get(c.name);
      assert.equal(typeof v?.valid, 'boolean', `${c.name}: no verdict from Avro`);
      let error: string | undefined;
      try {
        parseAvroSchema(JSON.stringify(c.schema));
      } catch (err) {
        error = (err as Error).message;
      }
      assert.equal(error === undefined, v?.valid, `Avro: ${v?.error ?? 'valid'}; cdcctl: ${error ?? 'valid'}`);
    });
});

describe(`random Avro evolutions (seed ${seed}) = Avro SchemaCompatibility`, {skip}, () => {
  const verdicts = new Map((randomOracle as Verdict[]).map((v) => [v.name, v]));

  it('most generated evolutions are valid Avro', () => {
    const valid = randomCases.filter((c) => verdicts.get(c.name)?.error === undefined).length;
    assert.ok(valid >= randomCases.length * 0.8, `${valid} of ${randomCases.length} valid`);
  });

  for (const c of randomCases)
    it(c.name, () => {
      const v = verdicts.get(c.name);
      assert.ok(v, 'a verdict from Avro');
      if (v.error !== undefined) {
        // Avro refuses one of the schemas: so must cdcctl
        assert.throws(() => diffAvro(JSON.stringify(c.old), JSON.stringify(c.new)), /invalid Avro schema/, v.error);
        return;
      }
      const d = diffAvro(JSON.stringify(c.old), JSON.stringify(c.new));
      const want = {backward: v.backward, forward: v.forward};
      assert.deepEqual({backward: d.backward, forward: d.forward}, want, 'overall verdict');
      const implied = {backward: d.changes.every((ch) => ch.backward), forward: d.changes.every((ch) => ch.forward)};
      assert.deepEqual(
        implied,
        want,
        `changes: ${JSON.stringify(d.changes.map((ch) => [ch.kind, ch.path, ch.backward, ch.forward]))}`,
      );
    });
});
