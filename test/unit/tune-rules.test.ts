import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {parseQueryAnswer} from '../../src/clients/prometheus.js';
import {compareMeasures, measureOf, verdictOf} from '../../src/services/tune/measure.js';
import {type Connector, exactRegex, metricQueries, observationsFrom} from '../../src/services/tune/observe.js';
import {evaluateRules, type Observations, RULES, ruleById} from '../../src/services/tune/rules.js';
import {repoRoot} from '../helpers.js';

/**
 * `cdcctl tune`'s rules on Prometheus answers recorded from the real stack by test/fixtures/tune/record.ts
 * (each fixture's `note` says what ran): the answers go through the client's own validation and the same
 * parsing as live ones. Each rule is shown to fire on a recording, with the figures that justify it, and to
 * stop firing once its own recommendation is in the config.
 */

interface Fixture {
  note: string;
  windowSeconds: number;
  connectors: Connector[];
  queries: Record<string, string>;
  answers: Record<string, unknown>;
  slotLags: Record<string, number>;
}

const dir = join(repoRoot, 'test/fixtures/tune');
const fixtures = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture]),
);

function observed(name: string): Observations[] {
  const fx = fixtures[name];
  assert.ok(fx, `fixture ${name}`);
  const answers = Object.fromEntries(Object.entries(fx.answers).map(([k, v]) => [k, parseQueryAnswer(v, name)]));
  return observationsFrom(fx.connectors, answers, fx.windowSeconds, fx.slotLags);
}

function one(name: string, connector: string): Observations {
  const o = observed(name).find((x) => x.connector === connector);
  assert.ok(o, `${connector} in ${name}`);
  return o;
}

const fired = (o: Observations) => evaluateRules(o).map((r) => r.rule);
const withConfig = (o: Observations, config: Record<string, string>): Observations => ({
  ...o,
  config: {...o.config, ...config},
});

/** What fires on each recording: every rule of the table appears at least once. */
const EXPECTED: Record<string, Record<string, string[]>> = {
  'slow-sink': {'tune-probe-sink': ['sink-batch-size', 'sink-max-poll-records', 'sink-tasks-partitions']},
  'demo-idle': {'inventory-source': ['pg-slot-heartbeat'], 'inventory-sink': [], 'cassandra-sink': []},
  'slow-source': {'tune-fx-source': ['source-max-batch-size', 'producer-linger', 'producer-compression']},
  'trickle-source': {'tune-fx-source': ['producer-compression']},
};

describe('tune rules on recorded metrics', () => {
  for (const [name, byConnector] of Object.entries(EXPECTED)) {
    it(`${name}: the rules that fire`, () => {
      const all = observed(name);
      assert.deepEqual(Object.fromEntries(all.map((o) => [o.connector, fired(o)])), byConnector);
    });
  }

  it('every rule of the table fires on some recording', () => {
    const seen = new Set(Object.values(EXPECTED).flatMap((c) => Object.values(c).flat()));
    assert.deepEqual(
      RULES.map((r) => r.id).filter((id) => !seen.has(id)),
      [],
    );
  });

  it('the recorded queries are the ones the code sends (re-record the fixtures when the PromQL changes)', () => {
    for (const [name, fx] of Object.entries(fixtures)) {
      assert.deepEqual(metricQueries(fx.connectors, fx.windowSeconds), fx.queries, name);
    }
  });

  it('sink-batch-size: 1 → 500 with the per-put figure; quiet once batch.size covers a put', () => {
    const o = one('slow-sink', 'tune-probe-sink');
    const [rec] = evaluateRules(o, [ruleById('sink-batch-size')!]);
    assert.deepEqual(rec?.change, {'batch.size': '500'});
    assert.deepEqual(rec?.current, {'batch.size': '1'});
    assert.match(rec!.observation, /hands the sink 489\.1 records on average but batch\.size=1/);
    assert.match(rec!.observation, /consumer lag 14,983 records/);
    assert.deepEqual(fired(withConfig(o, {'batch.size': '500'})).includes('sink-batch-size'), false);
  });

  it('sink-max-poll-records: full puts at the cap → 4× the cap (and batch.size with it); quiet without lag', () => {
    const o = one('slow-sink', 'tune-probe-sink');
    const [rec] = evaluateRules(o, [ruleById('sink-max-poll-records')!]);
    assert.deepEqual(rec?.change, {'consumer.override.max.poll.records': '2000', 'batch.size': '2000'});
    const caughtUp = {...o, metrics: {...o.metrics, consumerLagAvg: 10}};
    assert.equal(evaluateRules(caughtUp, [ruleById('sink-max-poll-records')!]).length, 0);
    assert.equal(
      evaluateRules(withConfig(o, {'consumer.override.max.poll.records': '2000'}), [ruleById('sink-max-poll-records')!])
        .length,
      0,
      'puts of ~489 records no longer reach a cap of 2000',
    );
  });

  it('sink-tasks-partitions: 4 partitions, 1 task → tasks.max=4; quiet with 4 tasks', () => {
    const o = one('slow-sink', 'tune-probe-sink');
    const [rec] = evaluateRules(o, [ruleById('sink-tasks-partitions')!]);
    assert.deepEqual(rec?.change, {'tasks.max': '4'});
    assert.match(rec!.observation, /4 partitions are consumed by tasks\.max=1/);
    assert.equal(evaluateRules(withConfig(o, {'tasks.max': '4'}), [ruleById('sink-tasks-partitions')!]).length, 0);
  });

  it('source-max-batch-size: full polls of 1 and a queue with 69 of 8,192 places → 2048; quiet at 2048', () => {
    const o = one('slow-source', 'tune-fx-source');
    const [rec] = evaluateRules(o, [ruleById('source-max-batch-size')!]);
    assert.deepEqual(rec?.change, {'max.batch.size': '2048'});
    assert.match(rec!.observation, /69 of 8,192 places free/);
    assert.equal(
      evaluateRules(withConfig(o, {'max.batch.size': '2048'}), [ruleById('source-max-batch-size')!]).length,
      0,
    );
    // the trickle: polls are full (of 1) but the queue stays empty and events are not late
    assert.equal(
      evaluateRules(one('trickle-source', 'tune-fx-source'), [ruleById('source-max-batch-size')!]).length,
      0,
    );
  });

  it('producer-linger: ~4 records a request at 732 records/s → linger 20 ms; quiet for a trickle or with linger', () => {
    const o = one('slow-source', 'tune-fx-source');
    const [rec] = evaluateRules(o, [ruleById('producer-linger')!]);
    assert.deepEqual(rec?.change, {'producer.override.linger.ms': '20'});
    assert.match(rec!.observation, /731\.7 records\/s leave in requests of 4 record\(s\)/);
    assert.equal(
      evaluateRules(withConfig(o, {'producer.override.linger.ms': '20'}), [ruleById('producer-linger')!]).length,
      0,
    );
    assert.equal(evaluateRules(one('trickle-source', 'tune-fx-source'), [ruleById('producer-linger')!]).length, 0);
  });

  it('producer-compression: 13.6 kB batches at rate 1 → lz4; quiet once compressed', () => {
    const o = one('slow-source', 'tune-fx-source');
    const [rec] = evaluateRules(o, [ruleById('producer-compression')!]);
    assert.deepEqual(rec?.change, {'producer.override.compression.type': 'lz4'});
    assert.match(rec!.observation, /batches of 13,630 bytes/);
    assert.equal(
      evaluateRules(withConfig(o, {'producer.override.compression.type': 'lz4'}), [ruleById('producer-compression')!])
        .length,
      0,
    );
  });

  it('pg-slot-heartbeat: an idle source whose slot is 78 MiB behind → heartbeat; quiet with one or when busy', () => {
    const o = one('demo-idle', 'inventory-source');
    assert.equal(o.slotLagBytes, 81_954_888);
    const [rec] = evaluateRules(o, [ruleById('pg-slot-heartbeat')!]);
    assert.deepEqual(rec?.change, {'heartbeat.interval.ms': '10000'});
    assert.match(rec!.observation, /slot\.name=inventory_source is 78\.2 MiB behind/);
    assert.equal(
      evaluateRules(withConfig(o, {'heartbeat.interval.ms': '10000'}), [ruleById('pg-slot-heartbeat')!]).length,
      0,
    );
    const busy = {...o, metrics: {...o.metrics, eventsRate: 50}};
    assert.equal(evaluateRules(busy, [ruleById('pg-slot-heartbeat')!]).length, 0);
  });
});

describe('tune measures', () => {
  it('a sink: throughput, consumer lag, and the wait of a new record (lag ÷ throughput)', () => {
    const m = measureOf(one('slow-sink', 'tune-probe-sink'));
    assert.equal(m.kind, 'sink');
    assert.ok(Math.abs(m.throughput! - 533.63) < 0.01);
    assert.equal(m.lag, 14_983);
    assert.ok(Math.abs(m.latencyMs! - (14_983 / m.throughput!) * 1000) < 1e-6);
  });

  it('a source: records written/s, time behind the database, slot lag in bytes; unknown stays null', () => {
    const m = measureOf(one('slow-source', 'tune-fx-source'));
    assert.deepEqual(
      [m.kind, m.lagUnit, Math.round(m.throughput!), Math.round(m.latencyMs!)],
      ['source', 'bytes', 732, 4169],
    );
    const idleSink = measureOf(one('demo-idle', 'inventory-sink'));
    assert.equal(idleSink.lag, null, 'no lag sample: null, never 0');
    assert.equal(idleSink.latencyMs, null);
  });

  it('directions: throughput up is better, lag/latency up is worse, ±5 % is the same', () => {
    const a = {
      connector: 'x',
      kind: 'sink' as const,
      throughput: 500,
      latencyMs: 30_000,
      lag: 15_000,
      lagUnit: 'records' as const,
    };
    const [better] = compareMeasures([a], [{...a, throughput: 1500, latencyMs: 0, lag: 0}]);
    assert.deepEqual(
      better!.deltas.map((d) => d.direction),
      ['better', 'better', 'better'],
    );
    assert.equal(better!.verdict, 'better');
    const [worse] = compareMeasures([{...a, throughput: 1500, lag: 0, latencyMs: 0}], [a]);
    assert.equal(worse!.verdict, 'worse');
    const [same] = compareMeasures([a], [{...a, throughput: 520, lag: 15_500}]);
    assert.deepEqual(
      same!.deltas.map((d) => d.direction),
      ['same', 'same', 'same'],
    );
    assert.equal(verdictOf(same!.deltas), 'same');
    const [unknown] = compareMeasures([a], []);
    assert.equal(unknown!.verdict, 'unknown');
  });
});

describe('tune queries', () => {
  it('connector names become an exact PromQL regex', () => {
    assert.equal(exactRegex(['a.b', 'c|d', 'e"f']), 'a\\\\.b|c\\\\|d|e\\"f');
    const q = metricQueries([{name: 'my.sink', type: 'sink', config: {}}], 60);
    assert.match(q.sinkSendRate!, /connector=~"my\\\\.sink"/);
    assert.equal(q.queueTotal, undefined, 'no source: no Debezium query');
  });
});
