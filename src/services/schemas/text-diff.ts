/** A line diff (longest common subsequence) for schemas that have no field model here (JSON Schema, Protobuf). */

export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
}

/** Above this many LCS cells (4 bytes each) the changed middle is shown as a block replacement instead. */
export const MAX_LCS_CELLS = 4_000_000;

/**
 * The line diff of two texts. Common leading and trailing lines are matched first; the rest gets an exact
 * LCS when its table stays under MAX_LCS_CELLS (16 MB), else it is shown as removed-then-added (`exact`
 * false), so memory and time stay bounded for any size.
 */
export function lineDiff(before: string, after: string): {lines: DiffLine[]; exact: boolean} {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = [];
  let exact = true;
  for (let k = 0; k < start; k++) out.push({op: ' ', text: a[k] as string});
  const n = endA - start;
  const m = endB - start;
  if ((n + 1) * (m + 1) <= MAX_LCS_CELLS) lcsDiff(a, b, start, endA, endB, out);
  else {
    exact = false;
    for (let k = start; k < endA; k++) out.push({op: '-', text: a[k] as string});
    for (let k = start; k < endB; k++) out.push({op: '+', text: b[k] as string});
  }
  for (let k = endA; k < a.length; k++) out.push({op: ' ', text: a[k] as string});
  return {lines: out, exact};
}

function lcsDiff(a: string[], b: string[], start: number, endA: number, endB: number, out: DiffLine[]): void {
  const n = endA - start;
  const m = endB - start;
  // lcs[i][j] = LCS length of a[start+i..endA] and b[start+j..endB]
  const lcs = Array.from({length: n + 1}, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const below = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] =
        a[start + i] === b[start + j]
          ? (below[j + 1] as number) + 1
          : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[start + i] === b[start + j]) {
      out.push({op: ' ', text: a[start + i] as string});
      i++;
      j++;
    } else if ((lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0)) out.push({op: '-', text: a[start + i++] as string});
    else out.push({op: '+', text: b[start + j++] as string});
  }
  while (i < n) out.push({op: '-', text: a[start + i++] as string});
  while (j < m) out.push({op: '+', text: b[start + j++] as string});
}
