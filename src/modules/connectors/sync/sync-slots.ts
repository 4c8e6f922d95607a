/**
 * This instance's sync capacity: at most `perOrganization` runs of one organization and `total` runs in
 * all, so one tenant's slow or hostile connections can never take every worker. Taking a slot is
 * synchronous, so concurrent starts on one instance cannot both take the last one.
 */
export class SyncSlots {
  private readonly byOrganization = new Map<string, number>();
  private used = 0;

  constructor(
    private readonly total: number,
    private readonly perOrganization: number,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** How many more runs of the organization may start now. */
  room(organizationId: string): number {
    const own = this.byOrganization.get(organizationId) ?? 0;
    return Math.max(0, Math.min(this.perOrganization - own, this.total - this.used));
  }

  take(organizationId: string): boolean {
    if (this.room(organizationId) === 0) return false;
    this.byOrganization.set(organizationId, (this.byOrganization.get(organizationId) ?? 0) + 1);
    this.used += 1;
    return true;
  }

  free(organizationId: string): void {
    const own = this.byOrganization.get(organizationId) ?? 0;
    if (own === 0) return;
    if (own === 1) this.byOrganization.delete(organizationId);
    else this.byOrganization.set(organizationId, own - 1);
    this.used -= 1;
  }
}
