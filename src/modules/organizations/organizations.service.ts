import { Inject, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { KEY_PROVIDER, type KeyProvider } from '#src/common/crypto/key-provider';
import { DomainError } from '#src/common/errors/domain.error';
import { OrgContext } from '#src/common/tenancy/org-context';
import { AuditService } from '#src/modules/audit/audit.service';
import { type Organization, OrganizationsSystemRepository } from './organizations-system.repository';

/** Creating a tenant: its id, its KMS data key (stored wrapped only) and the first audit entry. */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsSystemRepository,
    @Inject(KEY_PROVIDER) private readonly keys: KeyProvider,
    private readonly audit: AuditService,
  ) {}

  async create(name: string, createdBy: string): Promise<Organization> {
    const trimmed = validName(name);
    const id = new Types.ObjectId().toHexString();
    const dataKey = await this.keys.generateDataKey(id);
    dataKey.plaintext.fill(0);
    const organization = await this.organizations.insert({
      id,
      name: trimmed,
      dataKeyCiphertext: dataKey.ciphertext,
      keyProvider: this.keys.name,
    });
    await OrgContext.runAsSystem(id, createdBy, () =>
      this.audit.append({
        action: 'ORGANIZATION_CREATE',
        target: { type: 'organization', id },
        details: { name: trimmed, keyProvider: this.keys.name },
      }),
    );
    return organization;
  }

  async rename(name: string): Promise<Organization> {
    const organizationId = OrgContext.organizationId();
    const before = await this.current();
    const renamed = await this.organizations.rename(organizationId, validName(name));
    if (renamed === undefined) throw DomainError.notFound('Organization');
    await this.audit.append({
      action: 'ORGANIZATION_UPDATE',
      target: { type: 'organization', id: organizationId },
      details: { from: before.name, to: renamed.name },
    });
    return renamed;
  }

  /**
   * Checks that `asOf` is an instant of the organization's history to rebuild a picture at: a valid date,
   * not in the future (a minute of clock skew allowed), not before the organization was created.
   * BAD_USER_INPUT naming the argument otherwise.
   */
  async assertInHistory(asOf: Date, now = new Date(), field = 'asOf'): Promise<void> {
    const problem = historyProblem(asOf, (await this.current()).createdAt, now, field);
    if (problem !== undefined) throw new DomainError('BAD_USER_INPUT', problem, { field });
  }

  /** The organization in context; used by `me`. */
  async current(): Promise<Organization> {
    const organization = await this.organizations.findById(OrgContext.organizationId());
    if (organization === undefined) throw DomainError.notFound('Organization');
    return organization;
  }
}

/** A minute of clock skew between a client and the server: "now" on the client may be a little ahead. */
export const CLOCK_SKEW_MS = 60_000;

/** Why `asOf` is not an instant of an organization's history (created at `createdAt`), or undefined. */
export function historyProblem(asOf: Date, createdAt: Date, now: Date, field = 'asOf'): string | undefined {
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime()))
    return `${field} must be an ISO-8601 date-time`;
  if (asOf.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    return `${field} must not be in the future (${asOf.toISOString()} is after ${now.toISOString()})`;
  }
  if (asOf.getTime() < createdAt.getTime()) {
    return `${field} must not be before the organization was created (${createdAt.toISOString()})`;
  }
  return undefined;
}

/** Letters, marks, digits, punctuation, symbols and spaces: no control, format (bidi) or private-use characters. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]+$/u;
const MAX_NAME_LENGTH = 200;

/** An organization name as stored: trimmed, 1 to 200 characters of printable text. */
function validName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH) {
    throw new DomainError('BAD_USER_INPUT', `Organization name must be 1 to ${MAX_NAME_LENGTH} characters`, {
      field: 'name',
    });
  }
  if (!PRINTABLE.test(trimmed)) {
    throw new DomainError(
      'BAD_USER_INPUT',
      'Organization name may contain only printable text (no control or direction-override characters)',
      { field: 'name' },
    );
  }
  return trimmed;
}
