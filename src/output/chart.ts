import asciichart from 'asciichart';
import {color} from './render.js';

/** Terminal charts: a multi-series line chart (asciichart) and one-line sparklines. */

const SPARKS = '▁▂▃▄▅▆▇█';
const PALETTE = [
  asciichart.blue,
  asciichart.green,
  asciichart.yellow,
  asciichart.magenta,
  asciichart.cyan,
  asciichart.red,
];

export function sparkline(values: Array<number | null>): string {
  const finite = values.filter((v): v is number => Number.isFinite(v));
  if (!finite.length) return '';
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return ' ';
      const i = max === min ? 0 : Math.round(((v - min) / (max - min)) * (SPARKS.length - 1));
      return SPARKS[i];
    })
    .join('');
}

/** Resamples to at most `width` points (keeping the last), so wide ranges fit the terminal. */
function fit(values: number[], width: number): number[] {
  if (values.length <= width) return values;
  const out: number[] = [];
  for (let i = 0; i < width; i++) out.push(values[Math.floor((i * (values.length - 1)) / (width - 1))] as number);
  return out;
}

export function lineChart(
  series: number[][],
  options: {width?: number; height?: number; colors?: boolean} = {},
): string {
  const width = Math.max(10, (options.width ?? process.stdout.columns ?? 100) - 14);
  const data = series.map((s) => fit(s, width)).filter((s) => s.some(Number.isFinite));
  if (!data.length) return '(no data points in range)';
  return asciichart.plot(data, {
    height: options.height ?? 12,
    colors:
      options.colors === false || !color().level
        ? undefined
        : data.map((_, i) => PALETTE[i % PALETTE.length] as asciichart.Color),
    format: (x: number) => formatNumber(x).padStart(10),
  });
}

export function formatNumber(v: number | string | null | undefined, unit?: string): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(v);
  const text =
    abs !== 0 && (abs >= 1e6 || abs < 1e-3)
      ? v.toExponential(2)
      : Number.isInteger(v)
        ? String(v)
        : v.toFixed(abs < 1 ? 3 : 2);
  return unit ? `${text}${unit.startsWith('/') || unit === 's' || unit === '%' ? '' : ' '}${unit}` : text;
}

export function seriesName(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (!entries.length) return '{}';
  const name = labels.__name__ ?? '';
  const rest = entries.filter(([k]) => k !== '__name__').map(([k, v]) => `${k}="${v}"`);
  return `${name}${rest.length ? `{${rest.join(',')}}` : ''}`;
}
