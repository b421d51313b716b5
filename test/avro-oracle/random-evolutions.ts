/**
 * Seeded random Avro schema evolutions for the differential test against Avro's own checker: a random
 * schema (records, enums, fixed, arrays, maps, unions, defaults) and a copy with one to three random
 * changes (fields added/removed/renamed with aliases on either side, types promoted or replaced,
 * defaults toggled, records/enums renamed, enum symbols and defaults, fixed sizes, union branches).
 * Deterministic for a seed, so a failure is reproducible by its case name.
 */

type Json = null | boolean | number | string | Json[] | {[k: string]: Json};
type Obj = {[k: string]: Json};

export interface Evolution {
  name: string;
  old: Json;
  new: Json;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRIMS = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'];
const SYMBOLS = ['A', 'B', 'C', 'D'];
const PROMOTE: Record<string, string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

class Gen {
  private n = 0;
  constructor(readonly rnd: () => number) {}

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)] as T;
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  type(depth: number): Json {
    const r = this.rnd();
    if (depth <= 0 || r < 0.4) return this.pick(PRIMS.filter((p) => p !== 'null'));
    if (r < 0.5) return this.enumType();
    if (r < 0.55) return {type: 'fixed', name: `F${this.n++}`, size: this.pick([4, 8])};
    if (r < 0.65) return {type: 'array', items: this.type(depth - 1)};
    if (r < 0.72) return {type: 'map', values: this.type(depth - 1)};
    if (r < 0.85) {
      const inner = this.type(depth - 1);
      return Array.isArray(inner) ? inner : ['null', inner];
    }
    return this.record(depth - 1);
  }

  enumType(): Obj {
    const symbols = SYMBOLS.filter(() => this.chance(0.7));
    if (!symbols.length) symbols.push('A');
    return {type: 'enum', name: `E${this.n++}`, symbols, ...(this.chance(0.3) ? {default: symbols[0] as string} : {})};
  }

  record(depth: number, name = `Rec${this.n++}`): Obj {
    const fields: Json[] = [];
    const count = 1 + Math.floor(this.rnd() * 4);
    for (let i = 0; i < count; i++) fields.push(this.field(`f${i}`, depth));
    return {type: 'record', name, fields};
  }

  field(name: string, depth: number): Obj {
    const type = this.type(depth);
    const f: Obj = {name, type};
    const d = defaultFor(type);
    if (d !== undefined && this.chance(0.4)) f.default = d;
    return f;
  }

  freshName(): string {
    return `g${this.n++}`;
  }
}

/** A valid default for a type, when an easy one exists. */
function defaultFor(type: Json): Json | undefined {
  if (Array.isArray(type)) return type[0] === 'null' ? null : defaultFor(type[0] as Json);
  if (typeof type === 'string')
    return ({boolean: false, int: 0, long: 0, float: 0, double: 0, string: '', bytes: '', null: null} as Obj)[type];
  if (type && typeof type === 'object' && !Array.isArray(type)) {
    if (type.type === 'enum') return (type.symbols as string[])[0] as string;
    if (type.type === 'array') return [];
    if (type.type === 'map') return {};
  }
  return undefined;
}

/** Every JSON object in the schema with the given `type`. */
function collect(node: Json, type: string, out: Obj[] = []): Obj[] {
  if (Array.isArray(node)) for (const x of node) collect(x, type, out);
  else if (node && typeof node === 'object') {
    if (node.type === type) out.push(node);
    for (const v of Object.values(node)) collect(v, type, out);
  }
  return out;
}

function mutate(g: Gen, schema: Obj): string {
  const records = collect(schema, 'record');
  const rec = g.pick(records);
  const fields = rec.fields as Obj[];
  const op = Math.floor(g.rnd() * 12);
  switch (op) {
    case 0: {
      fields.push(g.field(g.freshName(), 1));
      return 'add-field';
    }
    case 1: {
      if (fields.length > 1) fields.splice(Math.floor(g.rnd() * fields.length), 1);
      return 'remove-field';
    }
    case 2: {
      const f = g.pick(fields);
      const old = f.name as string;
      f.name = g.freshName();
      const where = g.pick(['new', 'none', 'default'] as const);
      if (where === 'new') f.aliases = [old];
      if (where === 'default' && defaultFor(f.type as Json) !== undefined)
        f.default = defaultFor(f.type as Json) as Json;
      return `rename-field-${where}`;
    }
    case 3: {
      const f = g.pick(fields);
      if (typeof f.type === 'string' && PROMOTE[f.type] && g.chance(0.7)) {
        f.type = g.pick(PROMOTE[f.type] as string[]);
        delete f.default;
        const d = defaultFor(f.type as Json);
        if (d !== undefined && g.chance(0.3)) f.default = d;
        return 'promote';
      }
      f.type = g.type(1);
      delete f.default;
      return 'replace-type';
    }
    case 4: {
      const f = g.pick(fields);
      if ('default' in f) delete f.default;
      else if (defaultFor(f.type as Json) !== undefined) f.default = defaultFor(f.type as Json) as Json;
      return 'toggle-default';
    }
    case 5: {
      const old = rec.name as string;
      rec.name = `Ren${g.freshName()}`;
      if (g.chance(0.5)) rec.aliases = [old];
      return 'rename-record';
    }
    case 6:
    case 7: {
      const e = g.pick(collect(schema, 'enum'));
      if (!e) return 'none';
      const symbols = e.symbols as string[];
      const r = g.rnd();
      if (r < 0.35) {
        const extra = SYMBOLS.find((s) => !symbols.includes(s));
        if (extra) symbols.push(extra);
      } else if (r < 0.7) {
        if (symbols.length > 1) {
          const removed = symbols.pop();
          if (e.default === removed) delete e.default;
        }
      } else if ('default' in e) delete e.default;
      else e.default = symbols[0] as string;
      return 'enum';
    }
    case 8: {
      const fx = g.pick(collect(schema, 'fixed'));
      if (fx) fx.size = fx.size === 4 ? 8 : 4;
      return 'fixed-size';
    }
    case 9: {
      const f = g.pick(fields);
      if (Array.isArray(f.type)) {
        const nonNull = f.type.filter((b) => b !== 'null');
        if (nonNull.length === 1) f.type = nonNull[0] as Json;
      } else f.type = ['null', f.type as Json];
      delete f.default;
      return 'wrap-unwrap-union';
    }
    case 10: {
      const f = g.pick(fields);
      if (Array.isArray(f.type)) {
        const prim = g.pick(['int', 'string', 'long', 'bytes']);
        if (!f.type.includes(prim)) f.type.push(prim);
        else if (f.type.length > 2) f.type.splice(f.type.indexOf(prim), 1);
      }
      return 'union-branch';
    }
    default: {
      // a field's alias on the OLD side: rename in the new copy happens in the caller's other mutation
      const f = g.pick(fields);
      f.aliases = [g.freshName()];
      return 'alias';
    }
  }
}

export function randomEvolutions(seed: number, count: number): Evolution[] {
  const g = new Gen(prng(seed));
  const out: Evolution[] = [];
  for (let i = 0; i < count; i++) {
    const old = g.record(2, 'Root');
    (old as Obj).namespace = 'rnd';
    const neu = JSON.parse(JSON.stringify(old)) as Obj;
    const ops: string[] = [];
    const times = 1 + Math.floor(g.rnd() * 3);
    for (let k = 0; k < times; k++) ops.push(mutate(g, neu));
    // sometimes the alias sits on the old schema, naming the new field's name
    if (g.chance(0.15)) {
      const oldFields = (old.fields as Obj[]).filter((f) => !(neu.fields as Obj[]).some((nf) => nf.name === f.name));
      const newFields = (neu.fields as Obj[]).filter((f) => !(old.fields as Obj[]).some((of) => of.name === f.name));
      if (oldFields[0] && newFields[0]) {
        oldFields[0].aliases = [newFields[0].name as string];
        ops.push('alias-on-old');
      }
    }
    out.push({name: `random-${seed}-${i}-${ops.join('+')}`, old, new: neu});
  }
  return out;
}
