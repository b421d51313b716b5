import {auditMode, isLocalContext} from '../../config/audit-mode.js';
import type {RunContext} from '../../runtime.js';
import {resolveIdentity} from './identity.js';
import {roleTable} from './permissions.js';
import {type Decision, decide, hasPolicy, rolesOf} from './policy.js';

/** `auth whoami`, `auth can-i`, `auth roles`: the access policy of the selected context, explained. */
export interface WhoAmI {
  context: string;
  actor: string;
  kind: 'os' | 'jwt';
  subject: string;
  issuer?: string;
  groups: string[];
  /** False when the context has no access policy (everything is allowed). */
  policy: boolean;
  roles: string[];
  permissions: string[];
  audit: {mode: 'required' | 'optional'; localContext: boolean; store: boolean};
  summary: string;
}

export async function whoami(ctx: RunContext): Promise<WhoAmI> {
  const access = ctx.config.access;
  const id = await resolveIdentity(access, ctx.contextName);
  const policy = hasPolicy(access);
  const roles = policy ? rolesOf(access, id) : [];
  const table = roleTable(access);
  const permissions = [...new Set(roles.flatMap((r) => table[r] ?? []))].sort();
  return {
    context: ctx.contextName,
    actor: id.actor,
    kind: id.kind,
    subject: id.subject,
    ...(id.issuer ? {issuer: id.issuer} : {}),
    groups: id.groups,
    policy,
    roles,
    permissions,
    audit: {mode: auditMode(ctx.config), localContext: isLocalContext(ctx.config), store: Boolean(ctx.config.postgres)},
    summary: policy
      ? roles.length
        ? `${id.actor} has role(s) ${roles.join(', ')} in context ${ctx.contextName}`
        : `${id.actor} has no role in context ${ctx.contextName}: every guarded command is denied`
      : `no access policy is configured for context ${ctx.contextName}: everything is allowed`,
  };
}

export async function canI(ctx: RunContext, permission: string | null): Promise<Decision & {actor: string}> {
  const id = await resolveIdentity(ctx.config.access, ctx.contextName);
  return {...decide(ctx.config.access, id, permission), actor: id.actor};
}

export interface RoleView {
  role: string;
  permissions: string[];
  builtIn: boolean;
  /** Whether the current identity holds it. */
  held: boolean;
}

export async function listRoles(ctx: RunContext): Promise<{policy: boolean; roles: RoleView[]}> {
  const access = ctx.config.access;
  const id = await resolveIdentity(access, ctx.contextName);
  const held = new Set(hasPolicy(access) ? rolesOf(access, id) : []);
  const table = roleTable(access);
  const custom = new Set(Object.keys(access?.roles ?? {}));
  return {
    policy: hasPolicy(access),
    roles: Object.entries(table).map(([role, permissions]) => ({
      role,
      permissions: [...permissions],
      builtIn: !custom.has(role),
      held: held.has(role),
    })),
  };
}
