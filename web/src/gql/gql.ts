/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query OpenAlerts {\n    alerts(status: OPEN, first: 20) {\n      edges {\n        node {\n          id\n          kind\n          connectionId\n          message\n          openedAt\n          resolvedAt\n        }\n      }\n    }\n  }\n": typeof types.OpenAlertsDocument,
    "\n  subscription AlertsLive {\n    staleAlerts {\n      id\n      kind\n      connectionId\n      message\n      openedAt\n      resolvedAt\n    }\n  }\n": typeof types.AlertsLiveDocument,
    "\n  query Me {\n    me {\n      userId\n      role\n      organization {\n        name\n      }\n    }\n  }\n": typeof types.MeDocument,
    "\n  query AlertsPage {\n    alerts(status: ALL, first: 50) {\n      edges {\n        node {\n          id\n          kind\n          message\n          openedAt\n          resolvedAt\n          acknowledgedBy\n        }\n      }\n    }\n  }\n": typeof types.AlertsPageDocument,
    "\n  mutation AcknowledgeAlert($id: ID!) {\n    acknowledgeAlert(id: $id) {\n      id\n      resolvedAt\n      acknowledgedBy\n    }\n  }\n": typeof types.AcknowledgeAlertDocument,
    "\n  query AssessmentsPage($withExports: Boolean!) {\n    me {\n      organization {\n        signingKey {\n          fingerprint\n        }\n      }\n    }\n    assessments(first: 50) {\n      edges {\n        node {\n          id\n          name\n          periodStart\n          periodEnd\n          status\n          exports @include(if: $withExports) {\n            id\n            status\n            rows\n            bytes\n            sha256\n            draft\n            createdAt\n            error\n            downloadPath\n          }\n        }\n      }\n    }\n  }\n": typeof types.AssessmentsPageDocument,
    "\n  mutation ExportAssessment($id: ID!) {\n    exportAssessment(input: { assessmentId: $id }) {\n      id\n      status\n    }\n  }\n": typeof types.ExportAssessmentDocument,
    "\n  query AuditPage($filter: AuditLogFilter) {\n    auditLog(first: 50, filter: $filter) {\n      edges {\n        node {\n          id\n          seq\n          at\n          action\n          actor {\n            type\n            id\n          }\n          target {\n            type\n            id\n          }\n          hash\n        }\n      }\n    }\n  }\n": typeof types.AuditPageDocument,
    "\n  query VerifyChain {\n    verifyAuditChain {\n      ok\n      checked\n      firstBrokenSeq\n      truncated\n      missingFromSeq\n      missingToSeq\n      checkpointSeq\n      checkpointSignatureValid\n    }\n  }\n": typeof types.VerifyChainDocument,
    "\n  query CoveragePage {\n    coverage {\n      percent\n      controls {\n        control {\n          id\n          title\n        }\n        status\n        reason\n        evidenceCount\n      }\n    }\n    checks {\n      key\n      title\n      control\n      status\n      reason\n      failingCount\n      failingItems(first: 20) {\n        edges {\n          node {\n            sourceId\n            label\n            reason\n          }\n        }\n      }\n    }\n    checkExceptions {\n      id\n      check\n      sourceId\n      reason\n      expiresAt\n      active\n      approvedBy\n    }\n    checkSettings {\n      dormantDays\n      maxSuperAdmins\n      passwordBaseline {\n        minLength\n        maxLockoutAttempts\n        minHistoryCount\n      }\n    }\n  }\n": typeof types.CoveragePageDocument,
    "\n  mutation UpdateSettings($input: UpdateCheckSettingsInput!) {\n    updateCheckSettings(input: $input) {\n      dormantDays\n    }\n  }\n": typeof types.UpdateSettingsDocument,
    "\n  mutation CreateException($input: CreateCheckExceptionInput!) {\n    createCheckException(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateExceptionDocument,
    "\n  query EvidencePage($first: Int, $after: String, $filter: EvidenceFilter) {\n    evidence(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          id\n          type\n          sourceId\n          controls\n          connectionId\n          runId\n          fingerprint\n          collectedAt\n          validUntil\n          locked\n          assessmentIds\n          data\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": typeof types.EvidencePageDocument,
    "\n  query IntegrationPage($key: String!) {\n    integration(key: $key) {\n      key\n      name\n      category\n      authMethod\n      syncCadence\n      staleThreshold\n      controls\n      evidenceTypes\n      requiredScopes\n      optionalScopes {\n        scope\n        why\n      }\n      redirectUri\n      setupSteps {\n        title\n        body\n      }\n      securityModel {\n        title\n        body\n      }\n      connections {\n        id\n        status\n        statusReason\n        externalTenant\n        grantedScopes\n        lastSuccessfulSyncAt\n        nextSyncAt\n        reauthDueAt\n        stale\n      }\n    }\n    controls {\n      id\n      title\n      evidenceTypes\n    }\n  }\n": typeof types.IntegrationPageDocument,
    "\n  mutation Connect($input: ConnectIntegrationInput!) {\n    connectIntegration(input: $input) {\n      authorizeUrl\n    }\n  }\n": typeof types.ConnectDocument,
    "\n  mutation SyncNow($id: ID!) {\n    syncConnection(input: { connectionId: $id }) {\n      id\n    }\n  }\n": typeof types.SyncNowDocument,
    "\n  mutation Reauthorize($id: ID!) {\n    reauthorizeConnection(input: { connectionId: $id }) {\n      authorizeUrl\n    }\n  }\n": typeof types.ReauthorizeDocument,
    "\n  mutation Disconnect($id: ID!) {\n    revokeConnection(input: { connectionId: $id }) {\n      id\n      status\n    }\n  }\n": typeof types.DisconnectDocument,
    "\n  query Runs($id: ID!) {\n    connectorRuns(connectionId: $id, first: 10) {\n      edges {\n        node {\n          id\n          status\n          trigger\n          startedAt\n          finishedAt\n          error {\n            code\n            message\n          }\n          stats {\n            collector\n            pages\n            items\n            complete\n          }\n        }\n      }\n    }\n  }\n": typeof types.RunsDocument,
    "\n  query Catalog {\n    integrations {\n      key\n      name\n      category\n      connections {\n        id\n        status\n        lastSuccessfulSyncAt\n      }\n    }\n  }\n": typeof types.CatalogDocument,
};
const documents: Documents = {
    "\n  query OpenAlerts {\n    alerts(status: OPEN, first: 20) {\n      edges {\n        node {\n          id\n          kind\n          connectionId\n          message\n          openedAt\n          resolvedAt\n        }\n      }\n    }\n  }\n": types.OpenAlertsDocument,
    "\n  subscription AlertsLive {\n    staleAlerts {\n      id\n      kind\n      connectionId\n      message\n      openedAt\n      resolvedAt\n    }\n  }\n": types.AlertsLiveDocument,
    "\n  query Me {\n    me {\n      userId\n      role\n      organization {\n        name\n      }\n    }\n  }\n": types.MeDocument,
    "\n  query AlertsPage {\n    alerts(status: ALL, first: 50) {\n      edges {\n        node {\n          id\n          kind\n          message\n          openedAt\n          resolvedAt\n          acknowledgedBy\n        }\n      }\n    }\n  }\n": types.AlertsPageDocument,
    "\n  mutation AcknowledgeAlert($id: ID!) {\n    acknowledgeAlert(id: $id) {\n      id\n      resolvedAt\n      acknowledgedBy\n    }\n  }\n": types.AcknowledgeAlertDocument,
    "\n  query AssessmentsPage($withExports: Boolean!) {\n    me {\n      organization {\n        signingKey {\n          fingerprint\n        }\n      }\n    }\n    assessments(first: 50) {\n      edges {\n        node {\n          id\n          name\n          periodStart\n          periodEnd\n          status\n          exports @include(if: $withExports) {\n            id\n            status\n            rows\n            bytes\n            sha256\n            draft\n            createdAt\n            error\n            downloadPath\n          }\n        }\n      }\n    }\n  }\n": types.AssessmentsPageDocument,
    "\n  mutation ExportAssessment($id: ID!) {\n    exportAssessment(input: { assessmentId: $id }) {\n      id\n      status\n    }\n  }\n": types.ExportAssessmentDocument,
    "\n  query AuditPage($filter: AuditLogFilter) {\n    auditLog(first: 50, filter: $filter) {\n      edges {\n        node {\n          id\n          seq\n          at\n          action\n          actor {\n            type\n            id\n          }\n          target {\n            type\n            id\n          }\n          hash\n        }\n      }\n    }\n  }\n": types.AuditPageDocument,
    "\n  query VerifyChain {\n    verifyAuditChain {\n      ok\n      checked\n      firstBrokenSeq\n      truncated\n      missingFromSeq\n      missingToSeq\n      checkpointSeq\n      checkpointSignatureValid\n    }\n  }\n": types.VerifyChainDocument,
    "\n  query CoveragePage {\n    coverage {\n      percent\n      controls {\n        control {\n          id\n          title\n        }\n        status\n        reason\n        evidenceCount\n      }\n    }\n    checks {\n      key\n      title\n      control\n      status\n      reason\n      failingCount\n      failingItems(first: 20) {\n        edges {\n          node {\n            sourceId\n            label\n            reason\n          }\n        }\n      }\n    }\n    checkExceptions {\n      id\n      check\n      sourceId\n      reason\n      expiresAt\n      active\n      approvedBy\n    }\n    checkSettings {\n      dormantDays\n      maxSuperAdmins\n      passwordBaseline {\n        minLength\n        maxLockoutAttempts\n        minHistoryCount\n      }\n    }\n  }\n": types.CoveragePageDocument,
    "\n  mutation UpdateSettings($input: UpdateCheckSettingsInput!) {\n    updateCheckSettings(input: $input) {\n      dormantDays\n    }\n  }\n": types.UpdateSettingsDocument,
    "\n  mutation CreateException($input: CreateCheckExceptionInput!) {\n    createCheckException(input: $input) {\n      id\n    }\n  }\n": types.CreateExceptionDocument,
    "\n  query EvidencePage($first: Int, $after: String, $filter: EvidenceFilter) {\n    evidence(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          id\n          type\n          sourceId\n          controls\n          connectionId\n          runId\n          fingerprint\n          collectedAt\n          validUntil\n          locked\n          assessmentIds\n          data\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": types.EvidencePageDocument,
    "\n  query IntegrationPage($key: String!) {\n    integration(key: $key) {\n      key\n      name\n      category\n      authMethod\n      syncCadence\n      staleThreshold\n      controls\n      evidenceTypes\n      requiredScopes\n      optionalScopes {\n        scope\n        why\n      }\n      redirectUri\n      setupSteps {\n        title\n        body\n      }\n      securityModel {\n        title\n        body\n      }\n      connections {\n        id\n        status\n        statusReason\n        externalTenant\n        grantedScopes\n        lastSuccessfulSyncAt\n        nextSyncAt\n        reauthDueAt\n        stale\n      }\n    }\n    controls {\n      id\n      title\n      evidenceTypes\n    }\n  }\n": types.IntegrationPageDocument,
    "\n  mutation Connect($input: ConnectIntegrationInput!) {\n    connectIntegration(input: $input) {\n      authorizeUrl\n    }\n  }\n": types.ConnectDocument,
    "\n  mutation SyncNow($id: ID!) {\n    syncConnection(input: { connectionId: $id }) {\n      id\n    }\n  }\n": types.SyncNowDocument,
    "\n  mutation Reauthorize($id: ID!) {\n    reauthorizeConnection(input: { connectionId: $id }) {\n      authorizeUrl\n    }\n  }\n": types.ReauthorizeDocument,
    "\n  mutation Disconnect($id: ID!) {\n    revokeConnection(input: { connectionId: $id }) {\n      id\n      status\n    }\n  }\n": types.DisconnectDocument,
    "\n  query Runs($id: ID!) {\n    connectorRuns(connectionId: $id, first: 10) {\n      edges {\n        node {\n          id\n          status\n          trigger\n          startedAt\n          finishedAt\n          error {\n            code\n            message\n          }\n          stats {\n            collector\n            pages\n            items\n            complete\n          }\n        }\n      }\n    }\n  }\n": types.RunsDocument,
    "\n  query Catalog {\n    integrations {\n      key\n      name\n      category\n      connections {\n        id\n        status\n        lastSuccessfulSyncAt\n      }\n    }\n  }\n": types.CatalogDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OpenAlerts {\n    alerts(status: OPEN, first: 20) {\n      edges {\n        node {\n          id\n          kind\n          connectionId\n          message\n          openedAt\n          resolvedAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OpenAlerts {\n    alerts(status: OPEN, first: 20) {\n      edges {\n        node {\n          id\n          kind\n          connectionId\n          message\n          openedAt\n          resolvedAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AlertsLive {\n    staleAlerts {\n      id\n      kind\n      connectionId\n      message\n      openedAt\n      resolvedAt\n    }\n  }\n"): (typeof documents)["\n  subscription AlertsLive {\n    staleAlerts {\n      id\n      kind\n      connectionId\n      message\n      openedAt\n      resolvedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      userId\n      role\n      organization {\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      userId\n      role\n      organization {\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AlertsPage {\n    alerts(status: ALL, first: 50) {\n      edges {\n        node {\n          id\n          kind\n          message\n          openedAt\n          resolvedAt\n          acknowledgedBy\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AlertsPage {\n    alerts(status: ALL, first: 50) {\n      edges {\n        node {\n          id\n          kind\n          message\n          openedAt\n          resolvedAt\n          acknowledgedBy\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcknowledgeAlert($id: ID!) {\n    acknowledgeAlert(id: $id) {\n      id\n      resolvedAt\n      acknowledgedBy\n    }\n  }\n"): (typeof documents)["\n  mutation AcknowledgeAlert($id: ID!) {\n    acknowledgeAlert(id: $id) {\n      id\n      resolvedAt\n      acknowledgedBy\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AssessmentsPage($withExports: Boolean!) {\n    me {\n      organization {\n        signingKey {\n          fingerprint\n        }\n      }\n    }\n    assessments(first: 50) {\n      edges {\n        node {\n          id\n          name\n          periodStart\n          periodEnd\n          status\n          exports @include(if: $withExports) {\n            id\n            status\n            rows\n            bytes\n            sha256\n            draft\n            createdAt\n            error\n            downloadPath\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AssessmentsPage($withExports: Boolean!) {\n    me {\n      organization {\n        signingKey {\n          fingerprint\n        }\n      }\n    }\n    assessments(first: 50) {\n      edges {\n        node {\n          id\n          name\n          periodStart\n          periodEnd\n          status\n          exports @include(if: $withExports) {\n            id\n            status\n            rows\n            bytes\n            sha256\n            draft\n            createdAt\n            error\n            downloadPath\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ExportAssessment($id: ID!) {\n    exportAssessment(input: { assessmentId: $id }) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation ExportAssessment($id: ID!) {\n    exportAssessment(input: { assessmentId: $id }) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditPage($filter: AuditLogFilter) {\n    auditLog(first: 50, filter: $filter) {\n      edges {\n        node {\n          id\n          seq\n          at\n          action\n          actor {\n            type\n            id\n          }\n          target {\n            type\n            id\n          }\n          hash\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditPage($filter: AuditLogFilter) {\n    auditLog(first: 50, filter: $filter) {\n      edges {\n        node {\n          id\n          seq\n          at\n          action\n          actor {\n            type\n            id\n          }\n          target {\n            type\n            id\n          }\n          hash\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VerifyChain {\n    verifyAuditChain {\n      ok\n      checked\n      firstBrokenSeq\n      truncated\n      missingFromSeq\n      missingToSeq\n      checkpointSeq\n      checkpointSignatureValid\n    }\n  }\n"): (typeof documents)["\n  query VerifyChain {\n    verifyAuditChain {\n      ok\n      checked\n      firstBrokenSeq\n      truncated\n      missingFromSeq\n      missingToSeq\n      checkpointSeq\n      checkpointSignatureValid\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CoveragePage {\n    coverage {\n      percent\n      controls {\n        control {\n          id\n          title\n        }\n        status\n        reason\n        evidenceCount\n      }\n    }\n    checks {\n      key\n      title\n      control\n      status\n      reason\n      failingCount\n      failingItems(first: 20) {\n        edges {\n          node {\n            sourceId\n            label\n            reason\n          }\n        }\n      }\n    }\n    checkExceptions {\n      id\n      check\n      sourceId\n      reason\n      expiresAt\n      active\n      approvedBy\n    }\n    checkSettings {\n      dormantDays\n      maxSuperAdmins\n      passwordBaseline {\n        minLength\n        maxLockoutAttempts\n        minHistoryCount\n      }\n    }\n  }\n"): (typeof documents)["\n  query CoveragePage {\n    coverage {\n      percent\n      controls {\n        control {\n          id\n          title\n        }\n        status\n        reason\n        evidenceCount\n      }\n    }\n    checks {\n      key\n      title\n      control\n      status\n      reason\n      failingCount\n      failingItems(first: 20) {\n        edges {\n          node {\n            sourceId\n            label\n            reason\n          }\n        }\n      }\n    }\n    checkExceptions {\n      id\n      check\n      sourceId\n      reason\n      expiresAt\n      active\n      approvedBy\n    }\n    checkSettings {\n      dormantDays\n      maxSuperAdmins\n      passwordBaseline {\n        minLength\n        maxLockoutAttempts\n        minHistoryCount\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateSettings($input: UpdateCheckSettingsInput!) {\n    updateCheckSettings(input: $input) {\n      dormantDays\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateSettings($input: UpdateCheckSettingsInput!) {\n    updateCheckSettings(input: $input) {\n      dormantDays\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateException($input: CreateCheckExceptionInput!) {\n    createCheckException(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateException($input: CreateCheckExceptionInput!) {\n    createCheckException(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EvidencePage($first: Int, $after: String, $filter: EvidenceFilter) {\n    evidence(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          id\n          type\n          sourceId\n          controls\n          connectionId\n          runId\n          fingerprint\n          collectedAt\n          validUntil\n          locked\n          assessmentIds\n          data\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query EvidencePage($first: Int, $after: String, $filter: EvidenceFilter) {\n    evidence(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          id\n          type\n          sourceId\n          controls\n          connectionId\n          runId\n          fingerprint\n          collectedAt\n          validUntil\n          locked\n          assessmentIds\n          data\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IntegrationPage($key: String!) {\n    integration(key: $key) {\n      key\n      name\n      category\n      authMethod\n      syncCadence\n      staleThreshold\n      controls\n      evidenceTypes\n      requiredScopes\n      optionalScopes {\n        scope\n        why\n      }\n      redirectUri\n      setupSteps {\n        title\n        body\n      }\n      securityModel {\n        title\n        body\n      }\n      connections {\n        id\n        status\n        statusReason\n        externalTenant\n        grantedScopes\n        lastSuccessfulSyncAt\n        nextSyncAt\n        reauthDueAt\n        stale\n      }\n    }\n    controls {\n      id\n      title\n      evidenceTypes\n    }\n  }\n"): (typeof documents)["\n  query IntegrationPage($key: String!) {\n    integration(key: $key) {\n      key\n      name\n      category\n      authMethod\n      syncCadence\n      staleThreshold\n      controls\n      evidenceTypes\n      requiredScopes\n      optionalScopes {\n        scope\n        why\n      }\n      redirectUri\n      setupSteps {\n        title\n        body\n      }\n      securityModel {\n        title\n        body\n      }\n      connections {\n        id\n        status\n        statusReason\n        externalTenant\n        grantedScopes\n        lastSuccessfulSyncAt\n        nextSyncAt\n        reauthDueAt\n        stale\n      }\n    }\n    controls {\n      id\n      title\n      evidenceTypes\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Connect($input: ConnectIntegrationInput!) {\n    connectIntegration(input: $input) {\n      authorizeUrl\n    }\n  }\n"): (typeof documents)["\n  mutation Connect($input: ConnectIntegrationInput!) {\n    connectIntegration(input: $input) {\n      authorizeUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SyncNow($id: ID!) {\n    syncConnection(input: { connectionId: $id }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SyncNow($id: ID!) {\n    syncConnection(input: { connectionId: $id }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Reauthorize($id: ID!) {\n    reauthorizeConnection(input: { connectionId: $id }) {\n      authorizeUrl\n    }\n  }\n"): (typeof documents)["\n  mutation Reauthorize($id: ID!) {\n    reauthorizeConnection(input: { connectionId: $id }) {\n      authorizeUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Disconnect($id: ID!) {\n    revokeConnection(input: { connectionId: $id }) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation Disconnect($id: ID!) {\n    revokeConnection(input: { connectionId: $id }) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Runs($id: ID!) {\n    connectorRuns(connectionId: $id, first: 10) {\n      edges {\n        node {\n          id\n          status\n          trigger\n          startedAt\n          finishedAt\n          error {\n            code\n            message\n          }\n          stats {\n            collector\n            pages\n            items\n            complete\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Runs($id: ID!) {\n    connectorRuns(connectionId: $id, first: 10) {\n      edges {\n        node {\n          id\n          status\n          trigger\n          startedAt\n          finishedAt\n          error {\n            code\n            message\n          }\n          stats {\n            collector\n            pages\n            items\n            complete\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Catalog {\n    integrations {\n      key\n      name\n      category\n      connections {\n        id\n        status\n        lastSuccessfulSyncAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query Catalog {\n    integrations {\n      key\n      name\n      category\n      connections {\n        id\n        status\n        lastSuccessfulSyncAt\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;