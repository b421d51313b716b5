import type {FieldChange} from '../services/schemas/avro.js';
import type {SchemaDiff, SchemaHistory} from '../services/schemas/evolution.js';
import type {SchemaView, SubjectList, VersionInfo} from '../services/schemas/read.js';
import type {DiffLine} from '../services/schemas/text-diff.js';
import type {CheckResult, CompatibilityConfig, DeleteResult, RegisterResult} from '../services/schemas/write.js';
import {color, renderTable} from './render.js';

/** Terminal renderings of the schemas topic. */

export function renderSubjects(list: SubjectList, wide: boolean): string {
  if (!list.subjects.length) return 'No subjects.';
  return renderTable(
    list.subjects,
    [
      {header: 'SUBJECT', value: (s) => s.subject + (s.deleted ? ' (deleted)' : '')},
      {header: 'VERSION', value: (s) => s.latestVersion ?? (s.error ? 'error' : '')},
      {header: 'ID', value: (s) => s.id},
      {header: 'TYPE', value: (s) => s.schemaType},
      {
        header: 'COMPATIBILITY',
        value: (s) => (s.compatibility ? `${s.compatibility}${s.compatibilityOverride ? '*' : ''}` : ''),
      },
      {header: 'VERSIONS', value: (s) => s.versionCount, wide: true},
      {header: 'ERROR', value: (s) => s.error, wide: true},
    ],
    wide,
  );
}

export function renderVersions(versions: VersionInfo[], wide: boolean): string {
  return renderTable(
    versions,
    [
      {header: 'VERSION', value: (v) => v.version},
      {header: 'ID', value: (v) => v.id ?? '?'},
      {header: 'TYPE', value: (v) => v.schemaType ?? '?'},
      {
        header: 'STATE',
        value: (v) => (v.deleted ? 'soft-deleted' : 'live'),
        paint: (t) => (t === 'live' ? t : color().yellow(t)),
      },
      {header: 'REFERENCES', value: (v) => v.references ?? '?', wide: true},
      {header: 'ERROR', value: (v) => v.error, wide: true},
    ],
    wide,
  );
}

export function renderSchema(view: SchemaView): string {
  const c = color();
  const head = [
    view.subject ? `${c.bold(view.subject)} version ${view.version ?? '?'}` : undefined,
    `id ${view.id}  type ${view.schemaType}`,
  ].filter(Boolean);
  const lines = [...(head as string[]), ''];
  lines.push(view.parsed === undefined ? view.schema : JSON.stringify(view.parsed, null, 2));
  if (view.references.length) {
    lines.push('', 'References:');
    for (const r of view.references)
      lines.push(`  ${r.name} → ${r.subject} version ${r.version}${r.id === undefined ? '' : ` (id ${r.id})`}`);
  }
  if (view.usedBy?.length) {
    lines.push('', 'Used by:');
    for (const u of view.usedBy) lines.push(`  ${u.subject} version ${u.version}`);
  }
  return lines.join('\n');
}

function yesNo(v: boolean): string {
  return v ? color().green('yes') : color().red('no');
}

export function renderChanges(changes: FieldChange[]): string {
  if (!changes.length) return 'No field-level changes.';
  return renderTable(changes, [
    {header: 'CHANGE', value: (ch) => ch.kind},
    {header: 'FIELD', value: (ch) => (ch.from ? `${ch.from} → ${ch.path}` : ch.path)},
    {header: 'BEFORE', value: (ch) => ch.before ?? ''},
    {header: 'AFTER', value: (ch) => ch.after ?? ''},
    {header: 'BACKWARD', value: (ch) => (ch.backward ? 'yes' : 'no'), paint: (t) => yesNo(t === 'yes')},
    {header: 'FORWARD', value: (ch) => (ch.forward ? 'yes' : 'no'), paint: (t) => yesNo(t === 'yes')},
  ]);
}

export function renderTextDiff(lines: DiffLine[]): string {
  const c = color();
  return withContext(lines)
    .map((l) =>
      l.op === '+'
        ? c.green(`+ ${l.text}`)
        : l.op === '-'
          ? c.red(`- ${l.text}`)
          : l.op === '…'
            ? c.dim(`  … ${l.text}`)
            : `  ${l.text}`,
    )
    .join('\n');
}

export function renderDiff(d: SchemaDiff): string {
  const lines = [`${d.subject}: version ${d.from} → ${d.to} (${d.schemaType})`];
  if (d.identical) return `${lines[0]}\nIdentical schemas.`;
  if (d.schemaType === 'AVRO') {
    lines.push(`backward compatible: ${yesNo(!!d.backward)}   forward compatible: ${yesNo(!!d.forward)}`, '');
    lines.push(renderChanges(d.changes));
    lines.push(...renderIncompatibilities(d.incompatibilities));
  } else {
    lines.push('(text diff: no field model for this schema type)', '', renderTextDiff(d.text ?? []));
    if (d.textExact === false)
      lines.push(color().dim('  (too large for a line-by-line match: the changed part is shown as a block)'));
  }
  return lines.join('\n');
}

function renderIncompatibilities(i: SchemaDiff['incompatibilities']): string[] {
  const lines: string[] = [];
  for (const [dir, list] of [
    ['backward (new reads old)', i?.backward ?? []],
    ['forward (old reads new)', i?.forward ?? []],
  ] as const) {
    if (!list.length) continue;
    lines.push('', `Avro resolution, ${dir}:`);
    for (const x of list) lines.push(`  - ${x.path}: ${x.message}`);
  }
  return lines;
}

export function renderHistory(h: SchemaHistory): string {
  const c = color();
  const mark: Record<string, string> = {
    added: '+',
    'type-changed': '~',
    'default-changed': '=',
    renamed: '»',
    removed: '×',
  };
  const columns = [
    {header: 'FIELD', value: (row: SchemaHistory['fields'][number]) => row.path},
    ...h.versions.map((v, i) => ({
      header: `v${v.version}`,
      value: (row: SchemaHistory['fields'][number]) => {
        const cell = row.cells[i];
        if (!cell) return '';
        const m = cell.change ? `${mark[cell.change]} ` : '';
        return cell.present ? `${m}${cell.type}` : cell.change === 'removed' ? '× removed' : '·';
      },
      paint: (text: string) =>
        text.startsWith('+')
          ? c.green(text)
          : text.startsWith('×')
            ? c.red(text)
            : /^[~»=]/.test(text)
              ? c.yellow(text)
              : text,
    })),
  ];
  return [
    `${h.subject}: ${h.fields.length} field(s) over ${h.versions.length} version(s)`,
    renderTable(h.fields, columns),
    '',
    '+ added   ~ type changed   = default changed   » renamed (alias)   × removed   · absent',
  ].join('\n');
}

export function renderCheck(r: CheckResult): string {
  const c = color();
  const lines: string[] = [];
  const verdict = r.compatible ? c.green('compatible') : c.red('INCOMPATIBLE');
  const level = `level ${r.level ?? 'unknown'}${r.levelIsGlobal ? ' (global)' : ''}`;
  lines.push(`${r.subject}: ${verdict} (${level}${r.subjectExists ? '' : ', new subject'})`);
  if (r.verdictSource === 'cdcctl') lines.push(c.dim(`Verdict by cdcctl: ${r.verdictNote ?? ''}`));
  if (!r.subjectExists && r.validated === 'none')
    lines.push(c.dim('Not validated: the registry validates a new subject only when the schema is registered.'));
  if (r.existing?.exact) lines.push(`Already registered as version ${r.existing.version} (id ${r.existing.id}).`);
  else if (r.existing) {
    lines.push(
      c.yellow(
        `The registry matches this schema to version ${r.existing.version} (id ${r.existing.id}), ignoring what differs: registering returns that version and drops these changes:`,
      ),
    );
    lines.push(
      r.existing.differences.length ? renderChanges(r.existing.differences) : '  (differences outside the field model)',
    );
  }
  if (r.registryMessages.length) {
    lines.push('', r.verdictSource === 'cdcctl' ? 'Reasons:' : 'Registry says:');
    for (const m of r.registryMessages) lines.push(`  - ${m}`);
  } else if (!r.compatible) lines.push('', 'Registry gave no reasons (no verbose messages from this server).');
  if (r.analysis) {
    lines.push('', `Field changes against version ${r.analysis.againstVersion}:`);
    lines.push(renderChanges(r.analysis.changes));
    if (r.analysis.violations.length) {
      lines.push('', `Changes that break ${r.level}:`);
      for (const v of r.analysis.violations) lines.push(`  - ${v.path}: ${v.reason}`);
    }
    if (r.analysis.incompatibilities.length) {
      lines.push('', `Avro resolution against version ${r.analysis.againstVersion}:`);
      for (const i of r.analysis.incompatibilities) lines.push(`  - ${i.path}: ${i.message}`);
    }
  }
  return lines.join('\n');
}

export function renderDelete(r: DeleteResult): string {
  const what = r.version === undefined ? `subject ${r.subject}` : `${r.subject} version ${r.versions[0]}`;
  if (r.dryRun)
    return `Would ${r.permanent ? 'permanently ' : 'soft-'}delete ${what}: versions ${r.versions.join(', ') || '(none)'}${
      r.permanent && r.softDeleted.length ? ` (already soft-deleted: ${r.softDeleted.join(', ')})` : ''
    }`;
  const lines = [];
  if (r.softDeletedNow.length) lines.push(`Soft-deleted ${what}: versions ${r.softDeletedNow.join(', ')}`);
  if (r.permanentlyDeleted.length)
    lines.push(`Permanently deleted ${what}: versions ${r.permanentlyDeleted.join(', ')}`);
  return lines.join('\n') || 'Nothing deleted.';
}

/** One line for a registry setting (compatibility level, mode) that a command set, would set, or found already set. */
export function renderSettingChange(
  who: string,
  wanted: string,
  r: {dryRun: boolean; changed: boolean; before?: string | null},
): string {
  if (r.dryRun) return `${who}: would change ${r.before ?? '(none)'} → ${wanted}`;
  return r.changed ? `${who}: ${r.before ?? '(none)'} → ${wanted}` : `${who}: already ${wanted}`;
}

export function renderMode(who: string, mode: string | undefined): string {
  return `${who}: ${mode ?? '(none set)'}\n`;
}

export function renderCompatibilityConfig(c: CompatibilityConfig): string {
  return c.subject
    ? `${c.subject}: ${c.levelKnown === false ? '(unknown: the registry answers the global level)' : (c.level ?? '(none set: follows global)')}   effective: ${c.effective ?? 'unknown'}   global: ${c.global ?? 'unknown'}\n`
    : `global: ${c.global ?? 'unknown'}\n`;
}

/** The schema as stored (--raw): JSON schemas pretty-printed, Protobuf as is. */
export function renderRawSchema(view: SchemaView): string {
  return view.parsed === undefined ? view.schema : JSON.stringify(view.parsed, null, 2);
}

/** One line on what register did (the dropped differences listed when the registry ignored them). */
export function renderRegister(r: RegisterResult, check: CheckResult, dropped: boolean): string {
  if (r.action === 'unchanged') {
    return dropped
      ? `${r.subject}: NOT registered: the registry matches this schema to version ${r.version} (id ${r.id}) and ignores what differs; the changes were dropped:\n${renderChanges(check.existing?.differences ?? [])}`
      : `${r.subject}: unchanged (already version ${r.version}, id ${r.id})`;
  }
  if (r.action === 'would-register')
    return `${r.subject}: would register a new version (compatible, level ${check.level ?? 'unknown'})`;
  if (r.action === 'would-be-rejected')
    return `${r.subject}: would be rejected by the registry (INCOMPATIBLE under level ${check.level ?? 'unknown'}); nothing registered`;
  return `${r.subject}: registered version ${r.version ?? '?'} (id ${r.id})`;
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
