import {UsageError} from '../../errors.js';

/**
 * A small, safe filter language for change events (no eval, no functions, no regexes, no access
 * beyond the event's own data):
 *
 *   expr    := or
 *   or      := and ( "||" and )*
 *   and     := unary ( "&&" unary )*
 *   unary   := "!" unary | compare
 *   compare := operand ( ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" ) operand )?
 *   operand := literal | path | "(" expr ")" | "[" literal ( "," literal )* "]"
 *   literal := "string" | 'string' | number | true | false | null
 *   path    := name ( "." name | "[" number "]" | "[" string "]" )*
 *
 * Examples: after.status == "shipped" · op in ["c", "u"] && after.qty > 10 · !before ·
 * source.table == 'orders' || after["weird name"] != null
 * `==` compares a number with a numeric string by value (Debezium renders decimals as strings);
 * ordering compares numbers with numbers and strings with strings, anything else is false.
 */

type Node =
  | {t: 'lit'; v: unknown}
  | {t: 'path'; p: Array<string | number>}
  | {t: 'list'; items: Node[]}
  | {t: 'not'; e: Node}
  | {t: 'and' | 'or'; l: Node; r: Node}
  | {t: 'cmp'; op: string; l: Node; r: Node};

export type Predicate = (event: unknown) => boolean;

const MAX_LENGTH = 2000;
const MAX_DEPTH = 64;

interface Token {
  k: 'op' | 'str' | 'num' | 'name' | 'end';
  v: string;
  at: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      out.push({k: 'op', v: two, at: i});
      i += 2;
      continue;
    }
    if ('<>!()[].,'.includes(c)) {
      out.push({k: 'op', v: c, at: i});
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const e = src[j + 1] as string;
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw fail(src, i, 'unterminated string');
      out.push({k: 'str', v: s, at: i});
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (c === '-' || /\d/.test(c))) {
      out.push({k: 'num', v: num[0], at: i});
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (name) {
      out.push({k: 'name', v: name[0], at: i});
      i += name[0].length;
      continue;
    }
    throw fail(src, i, `unexpected character "${c}"`);
  }
  out.push({k: 'end', v: '', at: src.length});
  return out;
}

function fail(src: string, at: number, what: string): UsageError {
  return new UsageError(`invalid filter at column ${at + 1}: ${what}`, {
    hint: `In: ${src}\nUse e.g. after.status == "shipped" && op in ["c", "u"] (operators: == != < <= > >= in && || ! and parentheses).`,
  });
}

export function parseFilter(src: string): Node {
  if (src.length > MAX_LENGTH) throw new UsageError(`filter longer than ${MAX_LENGTH} characters`);
  const toks = tokenize(src);
  let pos = 0;
  let depth = 0;
  const peek = () => toks[pos] as Token;
  const next = () => toks[pos++] as Token;
  const isOp = (v: string) => peek().k === 'op' && peek().v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw fail(src, peek().at, `expected "${v}"`);
    next();
  };
  const enter = () => {
    if (++depth > MAX_DEPTH) throw fail(src, peek().at, 'expression nested too deeply');
  };

  const literal = (): Node | undefined => {
    const t = peek();
    if (t.k === 'str' || t.k === 'num') {
      next();
      return {t: 'lit', v: t.k === 'str' ? t.v : Number(t.v)};
    }
    if (t.k === 'name' && ['true', 'false', 'null'].includes(t.v)) {
      next();
      return {t: 'lit', v: t.v === 'true' ? true : t.v === 'false' ? false : null};
    }
    return undefined;
  };

  const operand = (): Node => {
    const lit = literal();
    if (lit) return lit;
    const t = peek();
    if (isOp('(')) {
      next();
      enter();
      const e = or();
      depth--;
      expect(')');
      return e;
    }
    if (isOp('[')) {
      next();
      const items: Node[] = [];
      if (!isOp(']')) {
        for (;;) {
          const l = literal();
          if (!l) throw fail(src, peek().at, 'lists hold literals only');
          items.push(l);
          if (isOp(',')) next();
          else break;
        }
      }
      expect(']');
      return {t: 'list', items};
    }
    if (t.k === 'name' && t.v !== 'in') {
      next();
      const p: Array<string | number> = [t.v];
      for (;;) {
        if (isOp('.')) {
          next();
          const n = next();
          if (n.k !== 'name') throw fail(src, n.at, 'expected a field name after "."');
          p.push(n.v);
        } else if (isOp('[')) {
          next();
          const n = next();
          if (n.k === 'num' && /^\d+$/.test(n.v)) p.push(Number(n.v));
          else if (n.k === 'str') p.push(n.v);
          else throw fail(src, n.at, 'expected an index or a quoted field name');
          expect(']');
        } else break;
      }
      return {t: 'path', p};
    }
    throw fail(src, t.at, t.k === 'end' ? 'unexpected end' : `unexpected "${t.v}"`);
  };

  const compare = (): Node => {
    const l = operand();
    const t = peek();
    if ((t.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) || (t.k === 'name' && t.v === 'in')) {
      next();
      const r = operand();
      if (t.v === 'in' && r.t !== 'list') throw fail(src, t.at, '"in" needs a [list]');
      return {t: 'cmp', op: t.v, l, r};
    }
    return l;
  };
  const unary = (): Node => {
    if (isOp('!')) {
      next();
      enter();
      const e = unary();
      depth--;
      return {t: 'not', e};
    }
    return compare();
  };
  const and = (): Node => {
    let l = unary();
    while (isOp('&&')) {
      next();
      l = {t: 'and', l, r: unary()};
    }
    return l;
  };
  const or = (): Node => {
    let l = and();
    while (isOp('||')) {
      next();
      l = {t: 'or', l, r: and()};
    }
    return l;
  };
  const tree = or();
  if (peek().k !== 'end') throw fail(src, peek().at, `unexpected "${peek().v}"`);
  return tree;
}

/** Compiles a filter into a predicate over an event object. */
export function compileFilter(src: string): Predicate {
  const tree = parseFilter(src);
  return (event) => truthy(evaluate(tree, event));
}

function evaluate(n: Node, ev: unknown): unknown {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'path':
      return resolve(ev, n.p);
    case 'list':
      return n.items.map((i) => evaluate(i, ev));
    case 'not':
      return !truthy(evaluate(n.e, ev));
    case 'and':
      return truthy(evaluate(n.l, ev)) && truthy(evaluate(n.r, ev));
    case 'or':
      return truthy(evaluate(n.l, ev)) || truthy(evaluate(n.r, ev));
    case 'cmp': {
      const l = evaluate(n.l, ev);
      const r = evaluate(n.r, ev);
      switch (n.op) {
        case '==':
          return equal(l, r);
        case '!=':
          return !equal(l, r);
        case 'in':
          return (r as unknown[]).some((x) => equal(l, x));
        default:
          return order(n.op, l, r);
      }
    }
  }
}

/** Own properties only: nothing from prototypes (no __proto__, constructor …). */
export function resolve(v: unknown, path: Array<string | number>): unknown {
  let cur: unknown = v;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (typeof seg !== 'number') return undefined;
      cur = cur[seg];
    } else {
      const key = String(seg);
      if (!Object.hasOwn(cur, key)) return undefined;
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return cur;
}

function truthy(v: unknown): boolean {
  return !(v === undefined || v === null || v === false || v === 0 || v === '');
}

function equal(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a === 'number' && typeof b === 'string') return b.trim() !== '' && Number(b) === a;
  if (typeof a === 'string' && typeof b === 'number') return a.trim() !== '' && Number(a) === b;
  if (a !== null && typeof a === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function order(op: string, a: unknown, b: unknown): boolean {
  let x = a;
  let y = b;
  if (typeof x === 'string' && typeof y === 'number' && x.trim() !== '' && !Number.isNaN(Number(x))) x = Number(x);
  if (typeof y === 'string' && typeof x === 'number' && y.trim() !== '' && !Number.isNaN(Number(y))) y = Number(y);
  if (!((typeof x === 'number' && typeof y === 'number') || (typeof x === 'string' && typeof y === 'string')))
    return false;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}
