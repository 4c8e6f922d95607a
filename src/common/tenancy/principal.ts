export const ROLES = ['ADMIN', 'MEMBER', 'AUDITOR'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as proven by a verified token. The organization never comes from anywhere else. */
export interface Principal {
  readonly userId: string;
  readonly organizationId: string;
  readonly role: Role;
}

export type Actor =
  { readonly type: 'user'; readonly id: string } | { readonly type: 'system'; readonly id: string };

const OBJECT_ID = /^[0-9a-f]{24}$/;

export function isObjectIdHex(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}
