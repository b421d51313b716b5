import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {
  type ConnectRecord,
  fromJsonConverter,
  toJsonConverter,
} from '../../src/services/connectors/transforms/record.js';
import {buildChain, type ChainStep, runChain} from '../../src/services/connectors/transforms/smt.js';
import {eventually} from '../helpers.js';
import {connectRaw, requireStack, sql} from './stack.js';

/**
 * DIFFERENTIAL test of the transform emulation: the real Connect worker runs each chain (a Debezium
 * PostgreSQL source connector with the chain, writing through JsonConverter to Kafka, where topic,
 * key, value and headers can be observed), and a twin connector without transforms captures the same
 * change events untouched; the emulation runs the chain on those, and the two outputs must be equal
 * record by record. Snapshot reads, an update, a delete (with its tombstone) and an insert go through
 * every chain. Every emulated transform and predicate is in at least one chain; the test checks that.
 */

const P = `i26tr${process.pid}`;
const TABLE = `${P}_items`;
const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING});

const source = (name: string, extra: Record<string, string> = {}) => ({
  'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
  'tasks.max': '1',
  'database.hostname': '127.0.0.1',
  'database.port': '5433',
  'database.user': 'cdc',
  'database.password': 'cdc',
  'database.dbname': 'inventory',
  'plugin.name': 'pgoutput',
  'slot.name': name.replaceAll('-', '_'),
  'publication.name': name.replaceAll('-', '_'),
  'publication.autocreate.mode': 'filtered',
  'table.include.list': `public.${TABLE}`,
  'topic.prefix': name.replaceAll('-', '_'),
  'snapshot.mode': 'initial',
  // Connect's own Date/Time/Timestamp for the time columns (TimestampConverter's and Cast's logical types)
  'time.precision.mode': 'connect',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'true',
  'value.converter.schemas.enable': 'true',
  ...extra,
});

const K = 'org.apache.kafka.connect.transforms.';
/** The chains, each run by a connector of its own (prefix = its topic prefix). */
const CHAINS: Record<string, Record<string, string>> = {
  a: {
    transforms: 'unwrap,drop,mask,add,hdr,route',
    predicates: 'isTomb',
    'predicates.isTomb.type': `${K}predicates.RecordIsTombstone`,
    'transforms.mask.predicate': 'isTomb',
    'transforms.mask.negate': 'true',
    'transforms.hdr.predicate': 'isTomb',
    'transforms.hdr.negate': 'true',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.unwrap.add.fields': 'op,source.table',
    'transforms.drop.type': `${K}ReplaceField$Value`,
    'transforms.drop.exclude': 'note',
    'transforms.drop.renames': 'name:title',
    'transforms.mask.type': `${K}MaskField$Value`,
    'transforms.mask.fields': 'secret,qty',
    'transforms.add.type': `${K}InsertField$Value`,
    'transforms.add.static.field': 'origin',
    'transforms.add.static.value': 'i26',
    'transforms.add.topic.field': 'src_topic',
    'transforms.hdr.type': `${K}HeaderFrom$Value`,
    'transforms.hdr.fields': 'id,title',
    'transforms.hdr.headers': 'h_id,h_title',
    'transforms.hdr.operation': 'copy',
    'transforms.route.type': `${K}RegexRouter`,
    'transforms.route.regex': '([^.]+)\\.public\\.(.*)',
    'transforms.route.replacement': '$1.routed.$2',
  },
  b: {
    transforms: 'unwrap,tokey,keyid,move,onlyNew',
    predicates: 'isTomb,notItems',
    'predicates.isTomb.type': `${K}predicates.RecordIsTombstone`,
    'predicates.notItems.type': `${K}predicates.TopicNameMatches`,
    'predicates.notItems.pattern': '.*\\.nothing',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
    'transforms.tokey.type': `${K}ValueToKey`,
    'transforms.tokey.fields': 'id,name',
    'transforms.tokey.predicate': 'isTomb',
    'transforms.tokey.negate': 'true',
    'transforms.keyid.type': `${K}ExtractField$Key`,
    'transforms.keyid.field': 'id',
    'transforms.move.type': `${K}HeaderFrom$Value`,
    'transforms.move.fields': 'secret',
    'transforms.move.headers': 'moved_secret',
    'transforms.move.operation': 'move',
    'transforms.onlyNew.type': `${K}Filter`,
    'transforms.onlyNew.predicate': 'notItems',
  },
  c: {
    transforms: 'unwrap,dropTomb,name',
    predicates: 'isTomb',
    'predicates.isTomb.type': `${K}predicates.RecordIsTombstone`,
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.dropTomb.type': `${K}Filter`,
    'transforms.dropTomb.predicate': 'isTomb',
    'transforms.name.type': `${K}ExtractField$Value`,
    'transforms.name.field': 'name',
  },
  d: {
    transforms: 'hasH,keep',
    predicates: 'hasSecret,isTomb',
    'predicates.isTomb.type': `${K}predicates.RecordIsTombstone`,
    'transforms.hasH.predicate': 'isTomb',
    'transforms.hasH.negate': 'true',
    'predicates.hasSecret.type': `${K}predicates.HasHeaderKey`,
    'predicates.hasSecret.name': 'h_secret',
    'transforms.hasH.type': `${K}HeaderFrom$Value`,
    'transforms.hasH.fields': 'op',
    'transforms.hasH.headers': 'h_secret',
    'transforms.hasH.operation': 'copy',
    'transforms.keep.type': `${K}ReplaceField$Value`,
    'transforms.keep.include': 'op,after',
    'transforms.keep.predicate': 'hasSecret',
  },
  /**
   * TimestampConverter on Connect's Date/Time/Timestamp, unix times and strings (parsed leniently),
   * then Cast: numbers to strings as Java prints them, strings to numbers and booleans, narrowing,
   * Connect's logical types to strings and numbers, and the key.
   */
  f: {
    transforms: 'unwrap,tA,tB,tC,tD,tE,tF,tG,cast1,cast2,castKey',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.tA.type': `${K}TimestampConverter$Value`,
    'transforms.tA.field': 'day',
    'transforms.tA.target.type': 'string',
    'transforms.tA.format': "EEE, d MMM yyyy 'day' D, EEEE MMMM u",
    'transforms.tB.type': `${K}TimestampConverter$Value`,
    'transforms.tB.field': 'ts',
    'transforms.tB.target.type': 'unix',
    'transforms.tB.unix.precision': 'microseconds',
    'transforms.tC.type': `${K}TimestampConverter$Value`,
    'transforms.tC.field': 'ts',
    'transforms.tC.target.type': 'string',
    'transforms.tC.unix.precision': 'microseconds',
    'transforms.tC.format': "yyyy-MM-dd'T'HH:mm:ss.SSSXXX Z yy h a k K ''",
    'transforms.tD.type': `${K}TimestampConverter$Value`,
    'transforms.tD.field': 'stamp',
    'transforms.tD.target.type': 'Timestamp',
    'transforms.tD.format': 'yyyy-MM-dd HH:mm:ss.SSS',
    'transforms.tE.type': `${K}TimestampConverter$Value`,
    'transforms.tE.field': 'stamp',
    'transforms.tE.target.type': 'Date',
    'transforms.tF.type': `${K}TimestampConverter$Value`,
    'transforms.tF.field': 'at',
    'transforms.tF.target.type': 'Time',
    'transforms.tG.type': `${K}TimestampConverter$Value`,
    'transforms.tG.field': 'at',
    'transforms.tG.target.type': 'string',
    'transforms.tG.format': "hh:mm:ss.S a 'at' H",
    'transforms.cast1.type': `${K}Cast$Value`,
    'transforms.cast1.spec':
      'qty:float64,price:string,ratio:string,note:int16,name:boolean,id:float32,stamp:string,t2:string,d2:int8',
    'transforms.cast2.type': `${K}Cast$Value`,
    'transforms.cast2.spec': 'qty:string,id:string,d2:boolean',
    'transforms.castKey.type': `${K}Cast$Key`,
    'transforms.castKey.spec': 'id:int64',
  },
  /** Cast fails on the envelope's op ("r" is no number): the worker's message, as the emulation has it. */
  h: {
    transforms: 'cast',
    'transforms.cast.type': `${K}Cast$Value`,
    'transforms.cast.spec': 'op:int32',
  },
  /** TimestampConverter fails to parse the envelope's op with its format. */
  i: {
    transforms: 'conv',
    'transforms.conv.type': `${K}TimestampConverter$Value`,
    'transforms.conv.field': 'op',
    'transforms.conv.target.type': 'unix',
    'transforms.conv.format': 'yyyy-MM-dd',
  },
  /** Fails on the delete's tombstone (MaskField needs a struct), in the worker as in the emulation. */
  e: {
    transforms: 'unwrap,mask',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.mask.type': `${K}MaskField$Value`,
    'transforms.mask.fields': 'name',
    'transforms.mask.replacement': 'xxx',
  },
};

/** JSON with sorted keys: the order of a schema's keys carries no meaning. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

const RAW = `${P}-raw`;
/**
 * Chains that fail on the first record run in a FileStreamSink connector reading the twin's topic: the
 * same records, the same worker code, and no replication slot (PostgreSQL has few).
 */
const SINK_CHAINS = new Set(['h', 'i']);
const sink = (chain: Record<string, string>) => ({
  'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
  'tasks.max': '1',
  topics: `${prefixOf(RAW)}.public.${TABLE}`,
  file: '/dev/null',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'true',
  'value.converter.schemas.enable': 'true',
  ...chain,
});
const names = Object.keys(CHAINS).map((k) => `${P}-${k}`);
const sourceNames = names.filter((n) => !SINK_CHAINS.has(n.slice(P.length + 1)));
const prefixOf = (name: string) => name.replaceAll('-', '_');

interface Observed {
  topic: string;
  key: unknown;
  value: unknown;
  headers: Record<string, string | null>;
}

/** Every record of the topics starting with `prefix.` (JsonConverter documents), in topic/offset order. */
async function readAll(prefix: string, expected: number, timeoutMs = 120_000): Promise<Array<ConnectRecord>> {
  return eventually(
    async () => {
      const admin = kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)).sort();
      await admin.disconnect();
      const out: ConnectRecord[] = [];
      for (const topic of topics) {
        const consumer = kafka.consumer({groupId: `${P}-${Math.random().toString(36).slice(2)}`});
        await consumer.connect();
        await consumer.subscribe({topic, fromBeginning: true});
        const got: ConnectRecord[] = [];
        const admin2 = kafka.admin();
        await admin2.connect();
        const end = Number((await admin2.fetchTopicOffsets(topic))[0]?.high ?? 0);
        await admin2.disconnect();
        if (end > 0) {
          await new Promise<void>((resolve) => {
            void consumer.run({
              eachMessage: async ({message, partition}) => {
                const k = message.key
                  ? fromJsonConverter(JSON.parse(message.key.toString()))
                  : {schema: null, value: null};
                const v = message.value
                  ? fromJsonConverter(JSON.parse(message.value.toString()))
                  : {schema: null, value: null};
                got.push({
                  topic,
                  partition,
                  timestamp: Number(message.timestamp),
                  keySchema: k.schema,
                  key: k.value,
                  valueSchema: v.schema,
                  value: v.value,
                  headers: Object.entries(message.headers ?? {}).map(([key, h]) => ({
                    key,
                    value: h === undefined || h === null ? null : Buffer.from(h as Buffer).toString(),
                  })),
                });
                if (Number(message.offset) + 1 >= end) resolve();
              },
            });
          });
        }
        await consumer.disconnect();
        out.push(...got);
      }
      return out.length >= expected ? out : undefined;
    },
    timeoutMs,
    2000,
  );
}

const observed = (r: ConnectRecord): Observed => ({
  topic: r.topic,
  key: toJsonConverter(r.keySchema, r.key),
  value: toJsonConverter(r.valueSchema, r.value),
  // the source connector's own tracing headers name the connector and its run: not the transforms' doing
  headers: Object.fromEntries(
    r.headers
      .filter((h) => !h.key.startsWith('__debezium.context.') && h.key !== 'traceparent')
      .map((h) => [h.key, h.value === null ? null : String(h.value)]),
  ),
});

describe('transforms: the emulation equals the real Connect worker, record by record', () => {
  let skip: string | undefined;
  let raw: ConnectRecord[] = [];
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    await sql(
      'inventory',
      `CREATE TABLE ${TABLE} (id int PRIMARY KEY, name text, note text, secret text, qty int,
         price float8, ratio float4, ts timestamp(3), day date, stamp text, at timestamp(3), t2 timestamp(3), d2 date)`,
    );
    await sql('inventory', `ALTER TABLE ${TABLE} REPLICA IDENTITY FULL`);
    await sql(
      'inventory',
      `INSERT INTO ${TABLE} VALUES
         (1, 'one', '42', 's1', 10, 3.14, 1.5, '2024-03-05 10:11:12.345', '2024-03-05', '2024-03-05 10:11:12.345',
          '2024-03-05 00:11:12.345', '2024-03-05 10:11:12.345', '2024-03-05'),
         (2, 'two', NULL, 's2', 20, 1e7, 0.1, '1999-12-31 23:59:59.999', '1999-12-31', '2024-1-5 7:08:09.5',
          '1999-12-31 12:59:59.999', '2024-03-05 00:00:00', '1970-01-01'),
         (3, 'three', '-7', NULL, NULL, 0.0001, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    );
    for (const name of [RAW, ...sourceNames]) {
      const chain = name === RAW ? {} : (CHAINS[name.slice(P.length + 1)] as Record<string, string>);
      const r = await connectRaw('PUT', `/connectors/${name}/config`, source(name, chain));
      assert.ok(r.status < 300, `${name}: ${JSON.stringify(r.body)}`);
    }
    // every connector snapshotted the 3 rows before the changes below stream through all of them
    await readAll(prefixOf(RAW), 3);
    for (const name of names.filter((n) => !sourceNames.includes(n))) {
      const r = await connectRaw(
        'PUT',
        `/connectors/${name}/config`,
        sink(CHAINS[name.slice(P.length + 1)] as Record<string, string>),
      );
      assert.ok(r.status < 300, `${name}: ${JSON.stringify(r.body)}`);
    }
    for (const n of sourceNames) await readAll(prefixOf(n), 1).catch(() => undefined);
    await sql('inventory', `UPDATE ${TABLE} SET name = 'TWO', qty = 21, price = 123456.789 WHERE id = 2`);
    await sql('inventory', `DELETE FROM ${TABLE} WHERE id = 3`);
    await sql(
      'inventory',
      `INSERT INTO ${TABLE} VALUES (4, 'True', '+8', 's4', 40, -2.5e-5, 3.25, '1970-01-01 00:00:00.5', '1970-01-02',
         '2024-02-30 25:00:00.000 trailing', '2030-06-15 23:00:00.007', '1970-01-01 05:00:00', '2000-02-29')`,
    );
    raw = await readAll(prefixOf(RAW), 7); // 3 reads, update, delete + tombstone, insert
  });
  after(async () => {
    if (skip) return;
    for (const name of [RAW, ...names]) await connectRaw('DELETE', `/connectors/${name}`).catch(() => {});
    await new Promise((r) => setTimeout(r, 3000));
    for (const name of [RAW, ...names]) {
      const slot = prefixOf(name);
      await eventually(
        async () => {
          await sql('inventory', 'SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [
            slot,
          ]);
          return true;
        },
        30_000,
        1000,
      ).catch(() => {});
      await sql('inventory', `DROP PUBLICATION IF EXISTS ${slot}`).catch(() => {});
    }
    await sql('inventory', `DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${P}`));
    await admin.deleteTopics({topics}).catch(() => {});
    // the sink chains' consumer groups
    await admin.deleteGroups(names.filter((n) => !sourceNames.includes(n)).map((n) => `connect-${n}`)).catch(() => {});
    await admin.disconnect();
  });

  it('every emulated transform and predicate is in a chain of this test', async () => {
    const {EMULATED_TRANSFORMS, EMULATED_PREDICATES} = await import('../../src/services/connectors/transforms/smt.js');
    const used = new Set(
      Object.values(CHAINS).flatMap((c) =>
        Object.entries(c)
          .filter(([k]) => k.endsWith('.type'))
          .map(([, v]) => v),
      ),
    );
    // $Key/$Value twins share their code: one of each pair is enough, but both kinds of side are covered
    const base = (c: string) => c.replace(/\$(Key|Value)$/, '');
    for (const cls of [...EMULATED_TRANSFORMS, ...EMULATED_PREDICATES])
      assert.ok(
        [...used].some((u) => base(u) === base(cls)),
        `${cls} has no differential test`,
      );
  });

  for (const key of Object.keys(CHAINS)) {
    it(`chain ${key}: ${CHAINS[key]?.transforms}`, async (t) => {
      if (skip) return t.skip(skip);
      const name = `${P}-${key}`;
      const config = CHAINS[key] as Record<string, string>;
      const chain: ChainStep[] = buildChain(config);
      const emulated: Observed[] = [];
      let failure: string | undefined;
      for (const r of raw) {
        // the twin's records as this connector read them: its topic prefix (also in schema names)
        const mine = SINK_CHAINS.has(key)
          ? r
          : (JSON.parse(JSON.stringify(r).replaceAll(`${prefixOf(RAW)}.`, `${prefixOf(name)}.`)) as ConnectRecord);
        const run = runChain(chain, config, mine);
        if (run.error) {
          failure = run.error; // the worker's task stops at this record: nothing after it is written
          break;
        }
        if (run.output) emulated.push(observed(run.output));
      }
      const taskTrace = async () =>
        (
          (await connectRaw('GET', `/connectors/${name}/status`)).body as {
            tasks: Array<{state: string; trace?: string}>;
          }
        ).tasks[0];
      if (failure) {
        const task = await eventually(
          async () => ((await taskTrace())?.state === 'FAILED' ? await taskTrace() : undefined),
          60_000,
          1000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}: the worker's task did not fail where the emulation did: ${failure}`);
        });
        const cause = (task?.trace ?? '').split('\n').find((l) => l.startsWith('Caused by:')) ?? '';
        assert.ok(cause.endsWith(failure.replace(/^.*?\): /, '')), `worker: ${cause}\nemulation: ${failure}`);
      }
      const real = (
        await readAll(prefixOf(name), emulated.length, failure ? 10_000 : 30_000).catch(async (err: Error) => {
          const task = await taskTrace();
          if (task?.trace)
            throw new Error(
              `${err.message}; task ${task.state}: ${task.trace
                .split('\n')
                .filter((l) => /^Caused by|Exception:/.test(l))
                .join(' | ')}`,
            );
          return readAll(prefixOf(name), 0, 5000);
        })
      ).map(observed);
      const canon = (xs: Observed[]) => xs.map(canonical).sort();
      assert.deepEqual(canon(emulated), canon(real));
    });
  }
});
