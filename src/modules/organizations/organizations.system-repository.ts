/**
 * @deprecated The old import path, kept only for `src/modules/connectors/sync/sync.scheduler.ts` (and its
 * spec), which are being refactored elsewhere: it names the exported `OrganizationsSystemService` (all the
 * scheduler uses is `allOrganizationIds`). Import `OrganizationsSystemService` from
 * `organizations-system.service` and delete this file once nothing imports it.
 */
export { OrganizationsSystemService as OrganizationsSystemRepository } from './organizations-system.service';
