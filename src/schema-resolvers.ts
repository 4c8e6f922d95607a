import { AuditResolver } from './modules/audit/audit.resolver';
import { AuditSealResolver } from './modules/audit-seal/audit-seal.resolver';
import { AssessmentExportsResolver, BundleExportsResolver } from './modules/auditor-bundle/bundle.resolver';
import { ChangesResolver } from './modules/changes/changes.resolver';
import { ConnectionsResolver } from './modules/connections/connections.resolver';
import { INSTALLED_CONNECTORS } from './modules/connectors/installed-connectors';
import { IntegrationsResolver } from './modules/connectors/integrations.resolver';
import { ConnectorRunsResolver } from './modules/connectors/sync/connector-runs.resolver';
import { ConnectionStateResolver } from './modules/connectors/sync/continuity/connection-state.resolver';
import {
  AssessmentContinuityResolver,
  ContinuityResolver,
} from './modules/connectors/sync/continuity/continuity.resolver';
import { EvidenceResolver } from './modules/evidence/evidence.resolver';
import { CheckResultResolver, CoverageResolver } from './modules/coverage/coverage.resolver';
import { OrganizationResolver } from './modules/organizations/organization.resolver';

/**
 * Every resolver class, for building `schema.gql` without booting the application. The e2e suite fails
 * when the running application's schema differs from the committed file, so a resolver missing here
 * cannot go unnoticed.
 */
export const SCHEMA_RESOLVERS = [
  OrganizationResolver,
  AuditResolver,
  AuditSealResolver,
  ConnectionsResolver,
  IntegrationsResolver,
  ConnectorRunsResolver,
  ChangesResolver,
  ContinuityResolver,
  AssessmentContinuityResolver,
  ConnectionStateResolver,
  EvidenceResolver,
  BundleExportsResolver,
  AssessmentExportsResolver,
  CoverageResolver,
  CheckResultResolver,
  ...INSTALLED_CONNECTORS.flatMap((c) => c.resolvers ?? []),
];
