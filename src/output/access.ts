import type {RoleView, WhoAmI} from '../services/access/whoami.js';
import {color, renderTable} from './render.js';

export function renderWhoami(w: WhoAmI): string {
  const c = color();
  const lines = [
    `${c.bold(w.actor)}  (${w.kind === 'jwt' ? `verified token from ${w.issuer}` : 'OS user'})`,
    `context:     ${w.context}`,
    `roles:       ${w.policy ? w.roles.join(', ') || '(none)' : '(no policy: everything is allowed)'}`,
  ];
  if (w.policy) lines.push(`permissions: ${w.permissions.join(' ') || '(none)'}`);
  if (w.groups.length) lines.push(`groups:      ${w.groups.join(', ')}`);
  lines.push(
    `audit:       ${w.audit.store ? w.audit.mode : 'no store: not written'}${w.audit.localContext ? ' (local context)' : ''}`,
    '',
    w.summary,
  );
  return `${lines.join('\n')}\n`;
}

export function renderRoles(r: {policy: boolean; roles: RoleView[]}, wide: boolean): string {
  const table = renderTable(
    r.roles,
    [
      {header: 'ROLE', value: (x) => x.role},
      {header: 'PERMISSIONS', value: (x) => x.permissions.join(' ')},
      {header: 'HELD', value: (x) => (x.held ? 'yes' : '')},
      {header: 'KIND', value: (x) => (x.builtIn ? 'built-in' : 'custom'), wide: true},
    ],
    wide,
  );
  return r.policy ? table : `${table}\nNo access policy is configured for this context: everything is allowed.\n`;
}

export function renderCanI(
  r: {command?: string; permission: string | null; allowed: boolean; reason: string},
  actor: string,
): string {
  const what =
    r.command !== undefined ? `\`${r.command}\`${r.permission ? ` (needs ${r.permission})` : ''}` : r.permission;
  return `${r.allowed ? 'yes' : 'no'}: ${actor} ${r.allowed ? 'may' : 'may not'} use ${what}: ${r.reason}\n`;
}
