import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import {
  type AccessTokenSource,
  type Collector,
  ConnectorError,
  type ConnectorErrorCode,
  type ConnectorDriver,
  type DriverConnection,
} from '#src/modules/connectors/connector-driver.port';
import { type ConnectorDefinition } from '#src/modules/connectors/connector-definition';
import { AdminRoleCollector } from './collectors/admin-role.collector';
import { AuthenticationPolicyCollector } from './collectors/authentication-policy.collector';
import { DeprovisioningCollector } from './collectors/deprovisioning.collector';
import { GroupMembershipCollector } from './collectors/group-membership.collector';
import { PasswordPolicyCollector } from './collectors/password-policy.collector';
import { UserMfaCollector } from './collectors/user-mfa.collector';
import {
  DEFAULT_CLIENT_OPTIONS,
  OktaApiError,
  type OktaApiErrorKind,
  OktaConnectionSession,
} from './okta-api.client';
import { OKTA_CHANGE_DETECTORS } from './okta-changes';
import { OktaAuth } from './okta.auth';
import { ROLES_SCOPE } from './okta-scopes';
import { oktaDefinition } from './okta.definition';

const CODES: Record<OktaApiErrorKind, ConnectorErrorCode> = {
  insufficient_scope: 'INSUFFICIENT_SCOPE',
  permission_denied: 'PERMISSION_DENIED',
  unauthorized: 'UNAUTHORIZED',
  rate_limited: 'RATE_LIMITED',
  unavailable: 'UNAVAILABLE',
  bad_response: 'BAD_RESPONSE',
  client_error: 'CLIENT_ERROR',
};

/** The Okta driver: its collectors share one API session (rate limits, concurrency cap, token). */
@Injectable()
export class OktaDriver implements ConnectorDriver {
  readonly definition: ConnectorDefinition;
  readonly auth: OktaAuth;
  readonly changeDetectors = OKTA_CHANGE_DETECTORS;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.definition = oktaDefinition(config.publicUrl);
    this.auth = new OktaAuth(config.oktaAllowedInsecureHosts, config.oktaHttpTimeoutMs);
  }

  collectors(connection: DriverConnection, tokens: AccessTokenSource): Collector[] {
    const session = new OktaConnectionSession(this.auth.origin(connection.externalTenant), tokens, {
      ...DEFAULT_CLIENT_OPTIONS,
      timeoutMs: this.config.oktaHttpTimeoutMs,
      concurrency: this.config.sync.oktaConcurrency,
      backoffBaseMs: this.config.sync.retryBaseMs,
    });
    const client = session.client.bind(session);
    return [
      new UserMfaCollector(client, this.config.sync.factorSweepIntervalMs),
      new PasswordPolicyCollector(client),
      new DeprovisioningCollector(client),
      new GroupMembershipCollector(client, this.config.sync.factorSweepIntervalMs),
      new AuthenticationPolicyCollector(client),
      // Only with the optional scope: without it there is nothing to collect, and no error.
      ...(connection.grantedScopes.includes(ROLES_SCOPE) ? [new AdminRoleCollector(client)] : []),
    ];
  }

  classify(error: unknown): ConnectorError | undefined {
    if (!(error instanceof OktaApiError)) return undefined;
    return new ConnectorError(CODES[error.kind], error.message, error.detail.scope);
  }
}
