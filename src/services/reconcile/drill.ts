import {setTimeout as sleep} from 'node:timers/promises';
import type {Client} from 'cassandra-driver';
import type {Pool} from 'pg';
import {notEnoughReplicas} from '../../clients/cassandra.js';
import type {MismatchRecord} from '../../store/reconcile.js';
import {canonFor, floatText, isText, NULL_MARK, splitKey, T} from './canonical.js';
import {type CassRow, CONSISTENCY, type ConsistencyName, cassFetch, confirmingConsistency} from './cassandra-side.js';
import {type RowHasher, rowHasher, rowHashText} from './hash.js';
import type {KeyHashes} from './key-hashes.js';
import {type PgRow, pgFetch} from './pg-side.js';
import type {ResolvedTable} from './spec.js';

/**
 * Drill-down: keys of the mismatched buckets from both sides → candidates (missing, extra, value);
 * only those keys are read again from both databases for the column-level diff. Rows younger than
 * the min-age cut-off on either side are left out; after `recheckAfterMs` the survivors are read a
 * second time and only differences seen twice are reported (live CDC: the sink may just be behind).
 */
export interface ClassifyInput {
  table: ResolvedTable;
  cass: Client;
  pool: Pool;
  /** Keys that differ between the sides (see `candidatesOf`), with their bucket. */
  candidates: Map<string, number>;
  cutoff?: Date;
  shard: number;
  recheckAfterMs: number;
  /** The run's Cassandra read consistency (--consistency). */
  consistency: ConsistencyName;
  onRecheck?: (count: number) => void;
}

/**
 * The keys whose row differs: Cassandra's keys of the mismatched buckets (`cassandra`, emptied as
 * it is consumed) against PostgreSQL's, which `streamPostgres` delivers one at a time, so only one
 * side is ever held in memory. Key → bucket.
 */
export async function candidatesOf(
  cassandra: KeyHashes,
  streamPostgres: (each: (pk: string, bucket: number, hash: string) => void) => Promise<void>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await streamPostgres((pk, bucket, hash) => {
    const differs = cassandra.differs(pk, hash);
    if (differs === undefined) {
      out.set(pk, bucket); // extra
      return;
    }
    if (differs >= 0) out.set(pk, differs); // value
    cassandra.delete(pk);
  });
  for (const [pk, bucket] of cassandra.buckets()) out.set(pk, bucket); // missing
  cassandra.clear();
  return out;
}

export interface Classified {
  mismatches: MismatchRecord[];
  /** Candidates not reported: young, equal by now, or vanished. */
  skipped: number;
  /** Candidates that neither side returned when read back (see `Evaluated.vanished`). */
  vanished: string[];
  /** Why the rows could not be read back at a quorum (then they were read at the run's level). */
  unconfirmed?: string;
}

/**
 * Reads the candidates back from both sides (at a quorum: confirmingConsistency) and, after the
 * recheck delay, once more. A quorum that cannot be reached (replicas down) leaves the run's own
 * level, and says so: what is then reported may include rows a lagging replica has not caught up on.
 */
export async function classify(input: ClassifyInput): Promise<Classified> {
  const {candidates} = input;
  const keys = [...candidates.keys()];
  let level = confirmingConsistency(input.consistency);
  let unconfirmed: string | undefined;
  const read = async (these: string[]) => {
    try {
      return await evaluate({...input, consistency: level}, these, candidates);
    } catch (err) {
      if (level === input.consistency || !notEnoughReplicas(err)) throw err;
      unconfirmed = `${input.table.name}: differing rows could not be read back at ${level} (${(err as Error).message.split('\n')[0]}); they were read at ${input.consistency}, where a replica that missed writes can show drift that is not there: re-run at ${level} when the ring is whole`;
      level = input.consistency;
      return evaluate({...input, consistency: level}, these, candidates);
    }
  };
  let {found, vanished} = await read(keys);
  if (input.recheckAfterMs > 0 && found.size > 0) {
    input.onRecheck?.(found.size);
    await sleep(input.recheckAfterMs);
    const again = (await read([...found.keys()])).found;
    found = new Map([...again].filter(([k]) => found.has(k)));
  }
  const mismatches = [...found.values()].sort((a, b) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0));
  return {mismatches, skipped: keys.length - mismatches.length, vanished, unconfirmed};
}

export interface Evaluated {
  /** The keys whose rows differ. */
  found: Map<string, MismatchRecord>;
  /**
   * Keys found on neither side: deleted from both since the scan, or a key whose canonical text does
   * not lead back to the stored value (a decimal key stored as 1.50 is looked up as 1.5).
   */
  vanished: string[];
}

/** Reads the keys from both sides now and returns those that differ (young rows left out). */
export async function evaluate(
  input: Pick<ClassifyInput, 'table' | 'cass' | 'pool' | 'cutoff' | 'shard' | 'consistency'>,
  keys: string[],
  buckets: Map<string, number>,
): Promise<Evaluated> {
  const {table: t} = input;
  const level = CONSISTENCY[input.consistency];
  const [cRows, pRows] = await Promise.all([cassFetch(input.cass, t, keys, level), pgFetch(input.pool, t, keys)]);
  await lookUpStoredKeys(input.cass, t, keys, cRows, pRows, level);
  // a text that is the NULL mark itself is a value: only a missing value is null there
  const canons = t.compared.map((c) => [c.name, canonFor(c.type), isText(c.type), pgDiffText(c)] as const);
  const cutoffUs = input.cutoff ? input.cutoff.getTime() * 1000 : undefined;
  const out = new Map<string, MismatchRecord>();
  const vanished: string[] = [];
  for (const pk of keys) {
    const c = cRows.get(pk);
    const p = pRows.get(pk);
    if (!c && !p) {
      vanished.push(pk);
      continue;
    }
    if (cutoffUs !== undefined && c?.writetimeUs !== undefined && c.writetimeUs > cutoffUs) continue;
    if (input.cutoff && p?.updatedAt && p.updatedAt > input.cutoff) continue;
    const kind: MismatchRecord['kind'] = !p ? 'missing' : !c ? 'extra' : 'value';
    const columns: MismatchRecord['columns'] = [];
    if (c && p) {
      for (const [name, canon, text, pgText] of canons) {
        const raw = c.row[name];
        const cv = canon(raw);
        const cText = raw === null || raw === undefined || (cv === NULL_MARK && !text) ? null : cv;
        const pText = pgText(p.cols[name] ?? null);
        if (cText !== pText) columns.push({column: name, cassandra: cText, postgres: pText});
      }
      if (columns.length === 0) continue;
    }
    out.set(pk, {
      table: t.name,
      pk,
      shard: input.shard,
      key: keyObject(t, pk),
      kind,
      columns,
      bucket: buckets.get(pk) ?? -1,
      pgHash: p ? pgRowHash(t, pk, p) : null,
      cassandraWritetime: c?.writetimeUs ?? null,
    });
  }
  return {found: out, vanished};
}

/**
 * How the column diff reads PostgreSQL's canonical text of a column: a float or double as the number
 * it is, printed by floatText as the Cassandra side is, so that one formatter prints both sides and
 * values equal as float32 (or float64) are equal texts, whatever the server's float output; any
 * other column as PostgreSQL gave it.
 */
function pgDiffText(c: ResolvedTable['compared'][number]): (text: string | null) => string | null {
  if (c.hint || (c.type.code !== T.float && c.type.code !== T.double)) return (text) => text;
  const single = c.type.code === T.float;
  return (text) => (text === null ? null : floatText(Number(text), single));
}

/**
 * Keys that Cassandra did not return but PostgreSQL did, looked up again in Cassandra as PostgreSQL
 * stores them, where that differs from the canonical text (a decimal key: 1.50 is not the partition
 * 1.5). Without this, such a row with a changed column was reported extra, and repair deleted it.
 */
export async function lookUpStoredKeys(
  cass: Client,
  t: ResolvedTable,
  keys: string[],
  cRows: Map<string, CassRow>,
  pRows: Map<string, PgRow>,
  consistency?: number,
): Promise<void> {
  const byStored = new Map<string, string>();
  for (const pk of keys) {
    const stored = pRows.get(pk)?.storedKey;
    if (stored !== undefined && stored !== pk && !cRows.has(pk)) byStored.set(stored, pk);
  }
  if (byStored.size === 0) return;
  // single-column keys come back under their canonical text, others under the key asked for
  for (const [k, row] of await cassFetch(cass, t, [...byStored.keys()], consistency))
    cRows.set(byStored.get(k) ?? k, row);
}

/**
 * The warning for vanished keys. They are not reported: on a live table they are usually rows deleted
 * from both sides since the scan. If they come back in the next run, the lookup cannot find them.
 */
export function vanishedWarning(t: ResolvedTable, keys: string[]): string {
  const shown = keys
    .slice(0, 3)
    .map((pk) =>
      Object.entries(keyObject(t, pk))
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    )
    .join(', ');
  const more = keys.length > 3 ? ` and ${keys.length - 3} more` : '';
  return `${t.name}: ${keys.length} key(s) of the differing buckets were on neither side when read back (${shown}${more}): not reported. Usually rows deleted since the scan; if a re-run names them again, the lookup cannot find them (e.g. a decimal key stored as 1.50 is looked up as 1.5): compare them by hand`;
}

export function keyObject(t: ResolvedTable, pk: string): Record<string, string> {
  const parts = splitKey(pk, t.key);
  return Object.fromEntries(t.key.map((c, i) => [c.name, parts[i] as string]));
}

const hashers = new WeakMap<ResolvedTable, RowHasher>();

/**
 * The PostgreSQL row hash (as the server computes it) from the canonical texts read: the scan's own
 * row text (rowHasher), whose rule for NULLs and float bits thus lives in one place.
 */
export function pgRowHash(t: ResolvedTable, pk: string, p: PgRow): string {
  let hasher = hashers.get(t);
  if (!hasher) {
    hasher = rowHasher(t);
    hashers.set(t, hasher);
  }
  return rowHashText(hasher.rowOf(p.cols, pk));
}

export type {CassRow};
