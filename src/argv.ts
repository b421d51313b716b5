/**
 * The command line as oclif needs it. kubectl users put global flags first
 * (`cdcctl --context prod connectors list`); oclif takes the first word as the command, so the
 * global flags found before the command move after it (before a `--`, which ends the flags).
 */

/** Global flags (BaseCommand.baseFlags and --json) that take a value, and those that do not. */
const WITH_VALUE = new Set(['--context', '--timeout', '--log-format']);
const WITHOUT_VALUE = new Set(['--json', '--verbose', '--no-color']);

export function globalFlagsAfterCommand(argv: string[]): string[] {
  const moved: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    const name = arg.split('=', 1)[0] as string;
    if (WITHOUT_VALUE.has(arg)) {
      moved.push(arg);
      i += 1;
    } else if (WITH_VALUE.has(name) && arg.includes('=')) {
      moved.push(arg);
      i += 1;
    } else if (WITH_VALUE.has(arg) && i + 1 < argv.length) {
      moved.push(arg, argv[i + 1] as string);
      i += 2;
    } else break;
  }
  if (moved.length === 0) return argv;
  const rest = argv.slice(i);
  // only global flags: the root help, as `cdcctl` alone
  if (rest.length === 0) return [];
  const end = rest.indexOf('--');
  return end === -1 ? [...rest, ...moved] : [...rest.slice(0, end), ...moved, ...rest.slice(end)];
}

/** The edit distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The command id closest to a mistyped one (`conectors:list` → `connectors:list`), or undefined when
 * none is close: at most a third of the id's length apart (and at least 1 edit allowed).
 */
export function closestCommand(id: string, ids: string[]): string | undefined {
  let best: {id: string; d: number} | undefined;
  for (const candidate of ids) {
    const d = editDistance(id, candidate);
    if (!best || d < best.d) best = {id: candidate, d};
  }
  return best && best.d <= Math.max(1, Math.floor(id.length / 3)) ? best.id : undefined;
}
