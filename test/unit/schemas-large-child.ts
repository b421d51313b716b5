import {avroFields} from '../../src/services/schemas/avro.js';
import {compareSchemas} from '../../src/services/schemas/evolution.js';

/**
 * Child of schemas-large.test.ts: diffs ≥ 1 MB schemas (Avro: field model; JSON: the line diff, changed at
 * both ends so that no common prefix/suffix shortcut helps) and prints its peak RSS and what it found.
 */
const RECORDS = Number(process.argv[2] ?? 400);
const FIELDS = 30;

function avro(version: number): string {
  const records = Array.from({length: RECORDS}, (_, i) => ({
    name: `part_${i}`,
    type: {
      type: 'record',
      name: `Part${i}`,
      fields: Array.from({length: FIELDS}, (_, j) => ({
        name: `attribute_${j}_of_part_${i}`,
        type: version === 2 && j === 0 ? ['null', 'long'] : ['null', 'int'],
        default: null,
        doc: `attribute ${j} of part ${i}, documented at some length`,
      })),
    },
  }));
  // a union of many records (each reader branch is a candidate for each writer branch)
  records.push({
    name: 'choice',
    type: Array.from({length: RECORDS * 3}, (_, i) => ({
      type: 'record',
      name: `Choice${i}`,
      fields: [{name: 'c', type: version === 2 && i === 7 ? 'string' : 'int'}],
    })) as never,
  });
  // a recursive record as well
  records.push({
    name: 'tree',
    type: {
      type: 'record',
      name: 'Tree',
      fields: [{name: 'children', type: {type: 'array', items: 'Tree'}, default: [], doc: ''}] as never,
    },
  });
  return JSON.stringify({type: 'record', name: 'Big', namespace: 'large', fields: records});
}

function jsonSchema(version: number): string {
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < RECORDS * FIELDS; i++)
    properties[`property_${i}`] = {
      type: version === 2 && i % 97 === 0 ? 'string' : 'integer',
      description: `property ${i}, described at some length`,
    };
  return JSON.stringify({$schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties});
}

const a1 = avro(1);
const a2 = avro(2);
const avroDiff = compareSchemas('AVRO', a1, a2);
const fields = avroFields(a2).length;
const j1 = jsonSchema(1);
const j2 = jsonSchema(2);
const jsonDiff = compareSchemas('JSON', j1, j2);
process.stdout.write(
  `${JSON.stringify({
    avroBytes: a1.length,
    jsonBytes: j1.length,
    avroChanges: avroDiff.changes.length,
    backward: avroDiff.backward,
    forward: avroDiff.forward,
    avroText: avroDiff.text === undefined,
    fields,
    jsonLines: jsonDiff.text?.length,
    jsonExact: jsonDiff.textExact,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
