import { Injectable } from '@nestjs/common';
import { type Organization, OrganizationsSystemRepository } from './organizations-system.repository';

/**
 * SYSTEM service: what other modules may read across tenants, without a tenant context: every organization's
 * id (for jobs that run per tenant), whether one exists, and the list an operator reads. The one cross-tenant port of this module; the
 * repository behind it stays inside.
 */
@Injectable()
export class OrganizationsSystemService {
  constructor(private readonly organizations: OrganizationsSystemRepository) {}

  /** Every organization id, in creation order, for jobs that run per tenant. */
  allOrganizationIds(): AsyncGenerator<string> {
    return this.organizations.allOrganizationIds();
  }

  /** Every organization, in creation order (the operator's CLI lists them). */
  all(): AsyncGenerator<Organization> {
    return this.organizations.all();
  }

  exists(id: string): Promise<boolean> {
    return this.organizations.exists(id);
  }
}
