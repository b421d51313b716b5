/**
 * Alertmanager compiles matcher regexes with Go's regexp package (RE2 syntax, Perl flags), anchored
 * as `^(?:re)$`. JavaScript's RegExp is a different language — it rejects `(?i)` and accepts
 * lookarounds and backreferences — so matchers are checked here with Go's own rules
 * (regexp/syntax's parser, Go 1.19 as in Alertmanager 0.25), no JavaScript regex involved.
 *
 * `checkRe2` answers whether Go accepts the expression and whether it matches the empty string
 * (what Alertmanager asks of a silence's matchers): computed on the parsed expression, exactly.
 */

export class Re2SyntaxError extends Error {
  constructor(
    /** Go's error text, e.g. "invalid or unsupported Perl syntax". */
    readonly code: string,
    /** The part of the expression it is about. */
    readonly expr: string,
  ) {
    super(`${code}: \`${expr}\``);
    this.name = 'Re2SyntaxError';
  }
}

type Node =
  | {kind: 'char'} // a literal or a character class: consumes one character
  | {kind: 'assert'; emptyMatch: boolean} // ^ $ \A \z \b \B: on the empty input, \b alone fails
  | {kind: 'concat'; subs: Node[]}
  | {kind: 'alt'; subs: Node[]}
  | {kind: 'repeat'; min: number; max: number; counted: boolean; sub: Node}; // max -1 = unbounded

/** Parses `pattern` as Go does; throws Re2SyntaxError where Go would refuse it. */
export function checkRe2(pattern: string): {matchesEmpty: boolean} {
  const tree = new Parser(pattern).parse();
  return {matchesEmpty: nullable(tree)};
}

function nullable(n: Node): boolean {
  switch (n.kind) {
    case 'char':
      return false;
    case 'assert':
      return n.emptyMatch;
    case 'concat':
      return n.subs.every(nullable);
    case 'alt':
      return n.subs.some(nullable);
    case 'repeat':
      return n.min === 0 || nullable(n.sub);
  }
}

/** Go's `repeatIsValid`: nested counted repetitions may not multiply beyond 1000. */
function repeatIsValid(n: Node, limit: number): boolean {
  let rest = limit;
  if (n.kind === 'repeat' && n.counted) {
    if (n.max === 0) return true;
    const m = n.max < 0 ? n.min : n.max;
    if (m > rest) return false;
    if (m > 0) rest = Math.floor(rest / m);
  }
  const subs = n.kind === 'repeat' ? [n.sub] : n.kind === 'concat' || n.kind === 'alt' ? n.subs : [];
  return subs.every((s) => repeatIsValid(s, rest));
}

const PERL_CLASSES = new Set(['d', 'D', 's', 'S', 'w', 'W']);
const POSIX_CLASSES = new Set([
  'alnum',
  'alpha',
  'ascii',
  'blank',
  'cntrl',
  'digit',
  'graph',
  'lower',
  'print',
  'punct',
  'space',
  'upper',
  'word',
  'xdigit',
]);
/** Go's unicode.Categories (1.19). */
const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);
/** Long script names of four letters (the other four-letter names are ISO 15924 aliases Go does not know). */
const FOUR_LETTER_SCRIPTS = new Set(['Ahom', 'Cham', 'Lisu', 'Miao', 'Modi', 'Newa', 'Thai']);
/** Scripts JavaScript knows and Go 1.19 (Unicode 13) does not: later Unicode versions and non-scripts. */
const NOT_IN_GO = new Set([
  'Cypro_Minoan',
  'Old_Uyghur',
  'Tangsa',
  'Toto',
  'Vithkuqi',
  'Kawi',
  'Nag_Mundari',
  'Garay',
  'Gurung_Khema',
  'Kirat_Rai',
  'Ol_Onal',
  'Sunuwar',
  'Todhri',
  'Tulu_Tigalari',
  'Katakana_Or_Hiragana',
  'Unknown',
]);

/** `Any`, a general category or a script, spelled as Go's unicode tables spell them. */
function isUnicodeClassName(name: string): boolean {
  if (name === 'Any' || CATEGORIES.has(name)) return true;
  if (!/^[A-Z][A-Za-z_]*$/.test(name) || NOT_IN_GO.has(name)) return false;
  if (name.length === 4 && !FOUR_LETTER_SCRIPTS.has(name)) return false;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
const isAlnum = (c: string) => /^[0-9A-Za-z]$/.test(c);

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly s: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.s.length) throw new Re2SyntaxError('unexpected )', this.s);
    return node;
  }

  private peek(k = 0): string | undefined {
    return this.s[this.i + k];
  }

  /** The next code point (surrogate pairs are one character, as in Go's UTF-8). */
  private nextChar(): string {
    const c = this.s.codePointAt(this.i);
    if (c === undefined) throw new Error('read past the end');
    const ch = String.fromCodePoint(c);
    this.i += ch.length;
    return ch;
  }

  private alternation(): Node {
    const subs = [this.concatenation()];
    while (this.peek() === '|') {
      this.i++;
      subs.push(this.concatenation());
    }
    return subs.length === 1 ? (subs[0] as Node) : {kind: 'alt', subs};
  }

  private concatenation(): Node {
    const items: Node[] = [];
    let lastWasRepeat = '';
    while (this.i < this.s.length && this.peek() !== '|' && this.peek() !== ')') {
      const start = this.i;
      const c = this.peek() as string;
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.repeatAhead())) {
        const [min, max] = c === '{' ? this.counted(start) : this.shorthand(c);
        if (this.peek() === '?') this.i++; // non-greedy
        const op = this.s.slice(start, this.i);
        if (lastWasRepeat) throw new Re2SyntaxError('invalid nested repetition operator', lastWasRepeat + op);
        const sub = items.pop();
        if (!sub) throw new Re2SyntaxError('missing argument to repetition operator', op);
        const node: Node = {kind: 'repeat', min, max, counted: c === '{', sub};
        if (c === '{' && (min >= 2 || max >= 2) && !repeatIsValid(node, 1000))
          throw new Re2SyntaxError('invalid repeat count', op);
        items.push(node);
        lastWasRepeat = op;
        continue;
      }
      lastWasRepeat = '';
      const atom = this.atom();
      if (atom) items.push(atom);
    }
    return {kind: 'concat', subs: items};
  }

  /** `*`, `+` or `?`: the bounds it stands for. */
  private shorthand(c: string): [number, number] {
    this.i++;
    return c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1];
  }

  /** `{n}`, `{n,}` or `{n,m}` here? Otherwise `{` is a literal (Go's parseRepeat). */
  private repeatAhead(): boolean {
    return /^\{(0|[1-9]\d*)(,(0|[1-9]\d*)?)?\}/.test(this.s.slice(this.i));
  }

  private counted(start: number): [number, number] {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i)) as RegExpExecArray;
    this.i += m[0].length;
    const num = (t: string) => (t.length > 8 ? -1 : Number(t));
    const min = num(m[1] as string);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : num(m[3] as string);
    if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max) || (m[3] && max < 0))
      throw new Re2SyntaxError('invalid repeat count', this.s.slice(start, this.i));
    return [min, max];
  }

  /** One atom; undefined for a flag group such as `(?i)` (it changes flags, matches nothing). */
  private atom(): Node | undefined {
    const c = this.peek() as string;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        this.charClass();
        return {kind: 'char'};
      case '^':
      case '$':
        this.i++;
        return {kind: 'assert', emptyMatch: true};
      case '.':
        this.i++;
        return {kind: 'char'};
      case '\\':
        return this.escapeAtom();
      default:
        this.nextChar();
        return {kind: 'char'};
    }
  }

  private group(): Node | undefined {
    const start = this.i;
    if (this.peek(1) === '?') {
      if (this.s.startsWith('(?P<', this.i)) {
        const end = this.s.indexOf('>', this.i);
        if (end < 0) throw new Re2SyntaxError('invalid named capture', this.s.slice(start));
        const name = this.s.slice(this.i + 4, end);
        if (!/^[A-Za-z0-9_]+$/.test(name))
          throw new Re2SyntaxError('invalid named capture', this.s.slice(start, end + 1));
        this.i = end + 1;
        return this.groupBody(start);
      }
      // flags: (?i) (?-s) (?im-sU:…) — Go's parsePerlFlags
      this.i += 2;
      let negated = false;
      let sawFlag = false;
      while (this.i < this.s.length) {
        const f = this.nextChar();
        if ('imsU'.includes(f)) sawFlag = true;
        else if (f === '-' && !negated) {
          negated = true;
          sawFlag = false;
        } else if ((f === ':' || f === ')') && (!negated || sawFlag)) {
          return f === ':' ? this.groupBody(start) : undefined;
        } else break;
      }
      throw new Re2SyntaxError('invalid or unsupported Perl syntax', this.s.slice(start, this.i));
    }
    this.i++;
    return this.groupBody(start);
  }

  private groupBody(start: number): Node {
    if (++this.depth > 1000) throw new Re2SyntaxError('expression nests too deeply', this.s.slice(start));
    const inner = this.alternation();
    this.depth--;
    if (this.peek() !== ')') throw new Re2SyntaxError('missing closing )', this.s);
    this.i++;
    return inner;
  }

  private escapeAtom(): Node {
    const next = this.peek(1);
    if (next === 'A' || next === 'z' || next === 'B') {
      this.i += 2;
      return {kind: 'assert', emptyMatch: true};
    }
    if (next === 'b') {
      this.i += 2;
      return {kind: 'assert', emptyMatch: false};
    }
    if (next === 'C') throw new Re2SyntaxError('invalid escape sequence', '\\C');
    if (next === 'Q') {
      const end = this.s.indexOf('\\E', this.i + 2);
      const literal = this.s.slice(this.i + 2, end < 0 ? undefined : end);
      this.i = end < 0 ? this.s.length : end + 2;
      return {kind: 'concat', subs: [...literal].map((): Node => ({kind: 'char'}))};
    }
    if (this.unicodeClass() || this.perlClass()) return {kind: 'char'};
    this.escapeChar();
    return {kind: 'char'};
  }

  /** `\pL`, `\p{Greek}`, `\P{^Lu}` at the current position; false if there is none. */
  private unicodeClass(): boolean {
    if (this.peek() !== '\\' || (this.peek(1) !== 'p' && this.peek(1) !== 'P')) return false;
    const start = this.i;
    this.i += 2;
    let name: string;
    if (this.peek() === '{') {
      const end = this.s.indexOf('}', this.i);
      if (end < 0) throw new Re2SyntaxError('invalid character class range', this.s.slice(start));
      name = this.s.slice(this.i + 1, end);
      this.i = end + 1;
    } else name = this.i < this.s.length ? this.nextChar() : '';
    if (name.startsWith('^')) name = name.slice(1);
    if (!isUnicodeClassName(name))
      throw new Re2SyntaxError('invalid character class range', this.s.slice(start, this.i));
    return true;
  }

  private perlClass(): boolean {
    if (this.peek() !== '\\' || !PERL_CLASSES.has(this.peek(1) ?? '')) return false;
    this.i += 2;
    return true;
  }

  /** One escaped character (Go's parseEscape): punctuation, octal, hex, \a \f \n \r \t \v. */
  private escapeChar(): void {
    const start = this.i;
    this.i++; // the backslash
    if (this.i >= this.s.length) throw new Re2SyntaxError('trailing backslash at end of expression', '');
    const c = this.nextChar();
    const bad = () => new Re2SyntaxError('invalid escape sequence', this.s.slice(start, this.i));
    if (c.length === 1 && c.charCodeAt(0) < 0x80 && !isAlnum(c)) return;
    if ('afnrtv'.includes(c)) return;
    if (c >= '1' && c <= '7' && !isOctal(this.peek())) throw bad(); // a backreference
    if (c >= '0' && c <= '7') {
      for (let k = 0; k < 2 && isOctal(this.peek()); k++) this.i++;
      return;
    }
    if (c === 'x') {
      if (this.peek() === '{') {
        const m = /^\{([0-9A-Fa-f]+)\}/.exec(this.s.slice(this.i));
        if (!m || Number.parseInt(m[1] as string, 16) > 0x10ffff) throw bad();
        this.i += m[0].length;
        return;
      }
      if (isHex(this.peek()) && isHex(this.peek(1))) {
        this.i += 2;
        return;
      }
      if (this.i < this.s.length) this.nextChar();
      throw bad();
    }
    throw bad();
  }

  /** `[...]` (Go's parseClass, Perl flags: `-` is literal where it cannot make a range). */
  private charClass(): void {
    const start = this.i;
    this.i++;
    if (this.peek() === '^') this.i++;
    let first = true;
    while (first || this.peek() !== ']') {
      if (this.i >= this.s.length) throw new Re2SyntaxError('missing closing ]', this.s.slice(start));
      first = false;
      if (this.peek() === '[' && this.peek(1) === ':') {
        const end = this.s.indexOf(':]', this.i + 2);
        if (end >= 0) {
          const name = this.s.slice(this.i + 2, end);
          if (!POSIX_CLASSES.has(name.replace(/^\^/, '')))
            throw new Re2SyntaxError('invalid character class range', this.s.slice(this.i, end + 2));
          this.i = end + 2;
          continue;
        }
      }
      if (this.unicodeClass() || this.perlClass()) continue;
      const rangeStart = this.i;
      const lo = this.classChar(start);
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.i++;
        const hi = this.classChar(start);
        if (hi < lo) throw new Re2SyntaxError('invalid character class range', this.s.slice(rangeStart, this.i));
      }
    }
    this.i++;
  }

  /** One character of a class, as a code point (escapes decoded). */
  private classChar(classStart: number): number {
    if (this.i >= this.s.length) throw new Re2SyntaxError('missing closing ]', this.s.slice(classStart));
    if (this.peek() !== '\\') return this.nextChar().codePointAt(0) as number;
    const start = this.i;
    this.escapeChar();
    return decodeEscape(this.s.slice(start, this.i));
  }
}

/** The code point of an escape that escapeChar accepted. */
function decodeEscape(e: string): number {
  const body = e.slice(1);
  const simple: Record<string, number> = {a: 7, f: 12, n: 10, r: 13, t: 9, v: 11};
  if (body in simple) return simple[body] as number;
  if (/^[0-7]+$/.test(body)) return Number.parseInt(body, 8);
  if (body.startsWith('x{')) return Number.parseInt(body.slice(2, -1), 16);
  if (body.startsWith('x')) return Number.parseInt(body.slice(1), 16);
  return body.codePointAt(0) as number;
}
