/** A line diff (longest common subsequence) for schemas that have no field model here (JSON Schema, Protobuf). */

export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
}

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = LCS length of a[i..] and b[j..]; schemas are small (thousands of lines at most)
  const lcs = Array.from({length: n + 1}, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const below = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({op: ' ', text: a[i] as string});
      i++;
      j++;
    } else if ((lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0)) out.push({op: '-', text: a[i++] as string});
    else out.push({op: '+', text: b[j++] as string});
  }
  while (i < n) out.push({op: '-', text: a[i++] as string});
  while (j < m) out.push({op: '+', text: b[j++] as string});
  return out;
}

/** Only the changed lines with `context` unchanged lines around them; `…` marks skipped runs. */
export function withContext(lines: DiffLine[], context = 3): Array<DiffLine | {op: '…'; text: string}> {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, idx) => {
    if (l.op === ' ') return;
    for (let k = Math.max(0, idx - context); k <= Math.min(lines.length - 1, idx + context); k++) keep[k] = true;
  });
  const out: Array<DiffLine | {op: '…'; text: string}> = [];
  let skipped = 0;
  lines.forEach((l, idx) => {
    if (keep[idx]) {
      if (skipped) out.push({op: '…', text: `${skipped} unchanged line(s)`});
      skipped = 0;
      out.push(l);
    } else skipped++;
  });
  if (skipped && out.length) out.push({op: '…', text: `${skipped} unchanged line(s)`});
  return out;
}
