import type {AccessConfig} from '../../config/schema.js';

/**
 * Permissions are `topic:verb` strings (`connectors:write`, `pipeline:control`, `gdpr:erase`,
 * `audit:read`); a role is a set of permission patterns in which either part may be `*`.
 * Every command needs one: the one it declares (`static permission`), else one derived from its
 * id and whether it mutates (`<topic>:write` / `<topic>:read`).
 */

export const BUILT_IN_ROLES: Readonly<Record<string, readonly string[]>> = {
  /** Everything, including erasure and other admin-only permissions. */
  admin: ['*'],
  /** Reads everything, changes connectors, pipelines, DLQ … and controls the pipeline; no `gdpr:erase`. */
  operator: ['*:read', '*:write', 'pipeline:control'],
  /** Reads everything, changes nothing. */
  viewer: ['*:read'],
};

/**
 * Topics whose commands are not guarded: `config` edits the local file that holds the policy
 * itself (guarding it would be theatre), `help` and `plugins` belong to the CLI framework.
 */
const UNGUARDED_TOPICS = new Set(['config', 'help', 'plugins', 'autocomplete', 'version']);

/**
 * The permission a command needs: its declared one (null = always allowed), else derived from its
 * id (`connectors:pause` → topic `connectors`) and whether it mutates.
 */
export function requiredPermission(
  commandId: string | undefined,
  declared: string | null | undefined,
  mutating: boolean,
): string | null {
  if (declared !== undefined) return declared;
  const topic = (commandId ?? '').split(':')[0] ?? '';
  if (!topic || UNGUARDED_TOPICS.has(topic)) return null;
  return `${topic}:${mutating ? 'write' : 'read'}`;
}

/** Whether one permission pattern (`*`, `connectors:*`, `*:read`, `audit:read`) grants `needed`. */
export function patternGrants(pattern: string, needed: string): boolean {
  if (pattern === '*') return true;
  const [pt, pv = '*'] = pattern.split(':');
  const [nt, nv = ''] = needed.split(':');
  return (pt === '*' || pt === nt) && (pv === '*' || pv === nv);
}

/** Role name → permissions: the built-ins, overridden or extended by the context's own roles. */
export function roleTable(access: AccessConfig | undefined): Record<string, readonly string[]> {
  return {...BUILT_IN_ROLES, ...(access?.roles ?? {})};
}

/** The roles (of those given) that grant `needed`. */
export function grantingRoles(roles: string[], needed: string, table: Record<string, readonly string[]>): string[] {
  return roles.filter((r) => (table[r] ?? []).some((p) => patternGrants(p, needed)));
}
