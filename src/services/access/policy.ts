import type {AccessConfig} from '../../config/schema.js';
import type {Identity} from './identity.js';
import {grantingRoles, roleTable} from './permissions.js';

/**
 * The access decision for one identity and one permission, from the context's bindings. No policy
 * (no bindings and no default roles) means everything is allowed — and the decision says so.
 */
export interface Decision {
  allowed: boolean;
  /** False when the context configures no policy: unrestricted. */
  policy: boolean;
  permission: string | null;
  /** Every role the identity holds in this context. */
  roles: string[];
  /** The roles that grant the permission. */
  grantedBy: string[];
  reason: string;
}

export function hasPolicy(access: AccessConfig | undefined): boolean {
  return (access?.bindings?.length ?? 0) > 0 || (access?.defaultRoles?.length ?? 0) > 0;
}

/** The roles bound to an identity: default roles plus those of every binding that matches it. */
export function rolesOf(access: AccessConfig | undefined, id: Identity): string[] {
  const roles = new Set(access?.defaultRoles ?? []);
  for (const b of access?.bindings ?? []) {
    if (bindingMatches(b, id)) for (const r of b.roles) roles.add(r);
  }
  return [...roles].sort();
}

type Binding = NonNullable<AccessConfig['bindings']>[number];

function bindingMatches(b: Binding, id: Identity): boolean {
  const any = (list: string[] | undefined, value: string) => !!list?.some((v) => v === '*' || v === value);
  if (id.kind === 'os') return any(b.users, id.subject);
  if (any(b.subjects, id.subject)) return true;
  if (b.groups?.some((g) => id.groups.includes(g))) return true;
  if (b.claims && Object.keys(b.claims).length > 0) {
    return Object.entries(b.claims).every(([claim, want]) => {
      const have = id.claims?.[claim];
      const values = Array.isArray(have) ? have.map(String) : have === undefined ? [] : [String(have)];
      return [want].flat().some((w) => values.includes(w));
    });
  }
  return false;
}

export function decide(access: AccessConfig | undefined, id: Identity, permission: string | null): Decision {
  if (!hasPolicy(access)) {
    return {
      allowed: true,
      policy: false,
      permission,
      roles: [],
      grantedBy: [],
      reason: 'no access policy is configured for this context: everything is allowed',
    };
  }
  const roles = rolesOf(access, id);
  if (permission === null) {
    return {allowed: true, policy: true, permission, roles, grantedBy: [], reason: 'this command needs no permission'};
  }
  const table = roleTable(access);
  const grantedBy = grantingRoles(roles, permission, table);
  const unknown = roles.filter((r) => !(r in table));
  return {
    allowed: grantedBy.length > 0,
    policy: true,
    permission,
    roles,
    grantedBy,
    reason:
      grantedBy.length > 0
        ? `granted by role ${grantedBy.join(', ')}`
        : roles.length === 0
          ? `${id.actor} has no role in this context`
          : `none of the roles ${roles.join(', ')} grants ${permission}${unknown.length ? ` (unknown roles: ${unknown.join(', ')})` : ''}`,
  };
}
