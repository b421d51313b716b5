import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
  compileDatePattern,
  formatDate,
  javaDoubleToString,
  javaFloatToString,
  javaParseFloating,
  javaParseInt,
  NotEmulable,
  narrowFloating,
  parseDate,
  wrapInt,
} from '../../src/services/connectors/transforms/java.js';
import {buildChain, runChain} from '../../src/services/connectors/transforms/smt.js';

/**
 * The Java behaviour the Cast and TimestampConverter emulations rest on. Every expected string here
 * was printed by Java 17 (the Connect worker's JVM: Double.toString, Float.toString, Number.xValue(),
 * SimpleDateFormat in UTC); the transforms themselves are proved against the worker by
 * test/integration/transforms-differential.test.ts.
 */

describe('Java number printing (Java 17)', () => {
  it('prints doubles as Double.toString does', () => {
    const cases: Array<[number, string]> = [
      [21, '21.0'],
      [1e7, '1.0E7'],
      [1e-4, '1.0E-4'],
      [0.001, '0.001'],
      [123456.789, '123456.789'],
      [1 / 3, '0.3333333333333333'],
      [-2.5e-5, '-2.5E-5'],
      [9999999, '9999999.0'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1e21, '1.0E21'],
      [-0, '-0.0'],
      [100, '100.0'],
      [1234567.125, '1234567.125'],
    ];
    for (const [x, java] of cases) assert.equal(javaDoubleToString(x), java, String(x));
  });

  it('prints floats as Float.toString does', () => {
    const cases: Array<[number, string]> = [
      [0.1, '0.1'],
      [1.5, '1.5'],
      [3.25, '3.25'],
      [1e-4, '1.0E-4'],
      [9999999, '9999999.0'],
      [1 / 3, '0.33333334'],
      [1e-3, '0.001'],
      [123.456, '123.456'],
      [-0, '-0.0'],
      // ties between two shortest candidates go to the even digit (Java 17)
      [2053511.25, '2053511.2'],
      [35360.8125, '35360.812'],
      [362490.875, '362490.88'],
    ];
    for (const [x, java] of cases) assert.equal(javaFloatToString(x), java, String(x));
  });

  it('refuses what Java 17 may print with an extra digit', () => {
    // Java 17: Double.toString(9.420735430282127E17) is "9.4207354302821274E17", Float.toString(9.420735E17f) "9.4207352E17"
    assert.throws(() => javaDoubleToString(9.420735430282127e17), NotEmulable);
    assert.throws(() => javaFloatToString(9.420735e17), NotEmulable);
    assert.throws(() => javaFloatToString(1.4e-45), NotEmulable);
  });

  it('narrows as Number.byteValue() and friends do', () => {
    assert.equal(narrowFloating(300.7, 8), 44);
    assert.equal(narrowFloating(1e10, 32), 2147483647);
    assert.equal(narrowFloating(-1e10, 16), 0);
    assert.equal(wrapInt(19787, 8), 75);
    assert.equal(narrowFloating(1e30, 64), 2 ** 63);
    assert.equal(narrowFloating(0.5, 64), 0);
  });

  it('parses numbers as Integer.parseInt / Double.parseDouble do', () => {
    assert.equal(javaParseInt('+8', 16), 8);
    assert.equal(javaParseInt('-7', 8), -7);
    assert.throws(() => javaParseInt(' 42', 32)); // parseInt does not trim
    assert.throws(() => javaParseInt('128', 8));
    assert.equal(javaParseFloating(' 1.5e3d ', false), 1500); // parseDouble trims and takes a type suffix
    assert.equal(javaParseFloating('.5', false), 0.5);
    assert.throws(() => javaParseFloating('1,5', false));
    assert.throws(() => javaParseFloating('0x1p3', false), NotEmulable);
  });
});

describe('SimpleDateFormat in UTC (Java 17)', () => {
  const fmt = (pattern: string, ms: number) => formatDate(compileDatePattern(pattern, 't'), ms, 't');
  it('formats the emulated letters, quotes and literals', () => {
    assert.equal(fmt("EEE, d MMM yyyy 'day' D, EEEE MMMM u", 1709596800000), 'Tue, 5 Mar 2024 day 65, Tuesday March 2');
    const p = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX Z yy h a k K '' 'it''s'";
    assert.equal(fmt(p, 946684799999), "1999-12-31T23:59:59.999Z +0000 99 11 PM 23 11 ' it's");
    assert.equal(fmt(p, 0), "1970-01-01T00:00:00.000Z +0000 70 12 AM 24 0 ' it's");
  });

  it('refuses letters it does not emulate, and dates before the Gregorian switch', () => {
    assert.throws(() => compileDatePattern('yyyy G', 't'), /format letter "G" is not emulated/);
    assert.throws(() => compileDatePattern('XXXX', 't'), /invalid ISO 8601 format/);
    assert.throws(() => compileDatePattern("yyyy 'open", 't'), /unterminated quote/);
    assert.throws(() => fmt('yyyy', Date.UTC(1500, 0, 1)), NotEmulable);
  });

  it('parses leniently as SimpleDateFormat.parse does', () => {
    const items = compileDatePattern('yyyy-MM-dd HH:mm:ss.SSS', 't');
    const parse = (s: string) => parseDate(items, s, 't');
    assert.equal(parse('2024-03-05 10:11:12.345'), 1709633472345);
    assert.equal(parse('2024-1-5 7:08:09.5'), 1704438489005); // S is milliseconds, not a fraction
    assert.equal(parse('2024-02-30 25:00:00.000 trailing'), 1709341200000); // rolls over, ignores the rest
    assert.equal(parse('2024-03-05  10:11:12.345'), 1709633472345); // spaces before a number are skipped
    assert.equal(parse('2024-03-05 10:11'), null);
    assert.equal(parse('x'), null);
    const adjacent = compileDatePattern('yyyyMMddHHmm', 't');
    assert.equal(parseDate(adjacent, '202403051011', 't'), 1709633460000);
    assert.throws(() => parseDate(adjacent, '2024030510', 't'), NotEmulable); // Java retries shorter fields
    assert.throws(() => parseDate(adjacent, '2024-3', 't'), NotEmulable); // DecimalFormat would read "-3"
  });
});

describe('Cast and TimestampConverter options', () => {
  const K = 'org.apache.kafka.connect.transforms.';
  it('refuses invalid or unemulated options by name', () => {
    const cast = (spec: string) =>
      buildChain({transforms: 'c', 'transforms.c.type': `${K}Cast$Value`, 'transforms.c.spec': spec});
    assert.throws(() => cast(''), /"spec" must name at least one field/);
    assert.throws(() => cast('a:bytes'), /cannot cast to "bytes"/);
    assert.throws(() => cast('int32,a:string'), /must be the only entry/);
    const tc = (p: Record<string, string>) =>
      buildChain({
        transforms: 't',
        'transforms.t.type': `${K}TimestampConverter$Value`,
        ...Object.fromEntries(Object.entries(p).map(([k, v]) => [`transforms.t.${k}`, v])),
      });
    assert.throws(() => tc({'target.type': 'date'}), /target\.type must be one of/);
    assert.throws(() => tc({'target.type': 'string'}), /requires format option/);
    assert.throws(() => tc({'target.type': 'unix', 'unix.precision': 'minutes'}), /unix\.precision must be one of/);
    assert.throws(() => tc({'target.type': 'string', format: 'yyyy z'}), /format letter "z" is not emulated/);
  });

  it('casts schemaless values, refusing what JSON cannot tell apart', () => {
    const config = {
      transforms: 'c',
      'transforms.c.type': `${K}Cast$Value`,
      'transforms.c.spec': 'a:int8,b:float64,c:string',
    };
    const rec = (value: unknown) => ({
      topic: 't',
      partition: 0,
      timestamp: null,
      keySchema: null,
      key: null,
      valueSchema: null,
      value,
      headers: [],
    });
    const out = runChain(buildChain(config), config, rec({a: '-7', b: true, c: 1.5}));
    assert.deepEqual(out.output?.value, {a: -7, b: 1, c: '1.5'});
    assert.throws(() => runChain(buildChain(config), config, rec({a: 1, c: 21})), NotEmulable);
    const bad = runChain(buildChain(config), config, rec({a: 'x'}));
    assert.equal(bad.error, `c (${K}Cast$Value): Value (x) was out of range for requested data type`);
  });
});
