import {Chalk, type ChalkInstance} from 'chalk';
import Table from 'cli-table3';
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

export function renderTable<T>(rows: T[], columns: Column<T>[], wide = false): string {
  const cols = columns.filter((c) => wide || !c.wide);
  const table = new Table({
    head: cols.map((c) => c.header),
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '   ',
    },
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0},
    wordWrap: false,
  });
  for (const row of rows) {
    table.push(
      cols.map((c) => {
        const text = String(c.value(row) ?? '');
        return c.paint ? c.paint(text, row) : text;
      }),
    );
  }
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

export function renderYaml(data: unknown): string {
  return stringify(data, {lineWidth: 0});
}

/** State words coloured the same way everywhere. */
export function paintState(state: string): string {
  const c = color();
  if (/^(RUNNING|healthy|ok|created|updated)$/i.test(state)) return c.green(state);
  if (/^(FAILED|down|unhealthy|error|failed)$/i.test(state)) return c.red(state);
  if (/^(PAUSED|STOPPED|UNASSIGNED|RESTARTING|degraded|starting|unchanged)$/i.test(state)) return c.yellow(state);
  return state;
}
