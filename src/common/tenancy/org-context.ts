import { AsyncLocalStorage } from 'node:async_hooks';
import { type Actor, isObjectIdHex, type Principal } from './principal';

export interface OrgScope {
  readonly organizationId: string;
  readonly actor: Actor;
  /** Present for requests; absent for jobs running on an organization's behalf. */
  readonly principal?: Principal;
}

/** Thrown when tenant-scoped code runs with no organization in context: a programming error, failing closed. */
export class MissingOrgContextError extends Error {
  constructor() {
    super('No organization in context: tenant-scoped code must run inside a request or an organization job');
    this.name = 'MissingOrgContextError';
  }
}

const storage = new AsyncLocalStorage<OrgScope>();

/**
 * The organization a piece of work runs for. Requests enter it from the verified principal
 * (`TenantContextInterceptor`); jobs enter it with `OrgContext.runAsSystem`. Reading it outside throws.
 */
export const OrgContext = {
  runForPrincipal<T>(principal: Principal, fn: () => T): T {
    return storage.run(
      { organizationId: principal.organizationId, actor: { type: 'user', id: principal.userId }, principal },
      fn,
    );
  },

  runAsSystem<T>(organizationId: string, job: string, fn: () => T): T {
    if (!isObjectIdHex(organizationId))
      throw new Error(`runAsSystem: invalid organization id for job ${job}`);
    return storage.run({ organizationId, actor: { type: 'system', id: job } }, fn);
  },

  /** Work done for an organization on behalf of a known user outside a request (the OAuth callback). */
  runAsUser<T>(organizationId: string, userId: string, fn: () => T): T {
    if (!isObjectIdHex(organizationId)) throw new Error('runAsUser: invalid organization id');
    return storage.run({ organizationId, actor: { type: 'user', id: userId } }, fn);
  },

  current(): OrgScope {
    const scope = storage.getStore();
    if (scope === undefined) throw new MissingOrgContextError();
    return scope;
  },

  organizationId(): string {
    return OrgContext.current().organizationId;
  },

  actor(): Actor {
    return OrgContext.current().actor;
  },

  has(): boolean {
    return storage.getStore() !== undefined;
  },
} as const;
