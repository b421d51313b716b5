import {stripVTControlCharacters} from 'node:util';
import {Chalk, type ChalkInstance} from 'chalk';
import {stringify} from 'yaml';

/**
 * Renderers for stdout. Colour only on a TTY, never with NO_COLOR or --no-color; tables are
 * borderless (kubectl/kcctl style) so they read well in a terminal and survive `grep` and `awk`.
 */
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';

let chalk: ChalkInstance = new Chalk({level: 0});

export function setColor(enabled: boolean): void {
  chalk = new Chalk({level: enabled ? 1 : 0});
}

export function colorWanted(noColorFlag: boolean): boolean {
  return Boolean(process.stdout.isTTY) && !noColorFlag && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

export function color(): ChalkInstance {
  return chalk;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | undefined;
  /** Shown only with -o wide. */
  wide?: boolean;
  /** Colours a cell by its value (only when colour is on). */
  paint?: (text: string, row: T) => string;
}

/**
 * A borderless table: columns padded to their widest cell and three spaces apart, trailing blanks
 * trimmed; a cell with line breaks spans several lines. Written here rather than with cli-table3,
 * which took ~50 ms for a 120-connector result (per-cell option objects), a visible share of a bulk
 * command's run time; this takes well under a millisecond.
 */
export function renderTable<T>(rows: T[], columns: Column<T>[], wide = false): string {
  const cols = columns.filter((c) => wide || !c.wide);
  const cells: string[][][] = [
    cols.map((c) => c.header.split('\n')),
    ...rows.map((row) =>
      cols.map((c) => {
        const text = String(c.value(row) ?? '');
        return (c.paint ? c.paint(text, row) : text).split('\n');
      }),
    ),
  ];
  // a loop, not Math.max(...rows): a spread of every row overflows the stack on very long listings
  const widths = cols.map(() => 0);
  for (const row of cells) {
    row.forEach((cell, i) => {
      for (const line of cell) widths[i] = Math.max(widths[i]!, displayWidth(line));
    });
  }
  const lines: string[] = [];
  for (const row of cells) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let l = 0; l < height; l++) {
      const parts = row.map((cell, i) => {
        const text = cell[l] ?? '';
        return text + ' '.repeat(widths[i]! - displayWidth(text));
      });
      lines.push(parts.join(COLUMN_GAP).trimEnd());
    }
  }
  return lines.join('\n');
}

const COLUMN_GAP = '   ';
// East Asian wide and fullwidth characters and emoji take two terminal cells; combining marks none.
const WIDE =
  /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u;
const PRINTABLE_ASCII = /^[ -~]*$/;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;

/** Terminal cells a string occupies, colour codes excluded. */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  const plain = stripVTControlCharacters(text);
  if (PRINTABLE_ASCII.test(plain)) return plain.length;
  let width = 0;
  for (const ch of plain) width += ZERO_WIDTH.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
  return width;
}

/**
 * JSON for stdout. JSON has no NaN or infinities and JSON.stringify would write them as null, which
 * reads as "no value": they are written in Prometheus's string form instead ("NaN", "+Inf", "-Inf").
 */
export function jsonText(data: unknown, indent?: number): string {
  return JSON.stringify(data, nonFiniteAsString, indent);
}

function nonFiniteAsString(_key: string, v: unknown): unknown {
  if (typeof v !== 'number' || Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

export function renderYaml(data: unknown): string {
  return stringify(data, {lineWidth: 0});
}

/** State words coloured the same way everywhere. */
export function paintState(state: string): string {
  const c = color();
  if (/^(RUNNING|healthy|ok|created|updated)$/i.test(state)) return c.green(state);
  if (/^(FAILED|down|unhealthy|error|failed)$/i.test(state)) return c.red(state);
  if (/^(PAUSED|STOPPED|UNASSIGNED|RESTARTING|degraded|starting|unchanged|dry-run)$/i.test(state))
    return c.yellow(state);
  return state;
}
