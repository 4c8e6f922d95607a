import {
  callbackPath,
  type ConnectorDefinition,
  controlsOf,
  type EvidenceTypeDefinition,
} from '#src/modules/connectors/connector-definition';
import { OPTIONAL_OKTA_SCOPES, REQUIRED_OKTA_SCOPES, ROLES_SCOPE } from './okta-scopes';

export const OKTA_CONNECTOR_KEY = 'okta';
const HOUR_MS = 3_600_000;

export const USER_MFA = 'okta.user_mfa';
export const PASSWORD_POLICY = 'okta.password_policy';
export const DEPROVISIONING_EVENT = 'okta.deprovisioning_event';
export const GROUP_MEMBERSHIP = 'okta.group_membership';
export const AUTHENTICATION_POLICY = 'okta.authentication_policy';
export const ADMIN_ROLE_ASSIGNMENT = 'okta.admin_role_assignment';

/** The one place Okta's evidence types, their controls and their labels are declared. */
export const OKTA_EVIDENCE: readonly EvidenceTypeDefinition[] = [
  { type: USER_MFA, label: 'user MFA', controls: ['CC6.1', 'CC6.2'], subject: 'identity.user' },
  {
    type: PASSWORD_POLICY,
    label: 'password policy',
    controls: ['CC6.1'],
    subject: 'identity.password_policy',
  },
  { type: DEPROVISIONING_EVENT, label: 'deprovisioning event', controls: ['CC6.2', 'CC6.3'] },
  { type: GROUP_MEMBERSHIP, label: 'group membership', controls: ['CC6.3'] },
  {
    type: AUTHENTICATION_POLICY,
    label: 'authentication policy',
    controls: ['CC6.1'],
    subject: 'identity.authentication_policy',
  },
  {
    type: ADMIN_ROLE_ASSIGNMENT,
    label: 'admin role assignment',
    controls: ['CC6.3'],
    subject: 'identity.admin_role',
    optionalScope: ROLES_SCOPE,
  },
];
export const OKTA_EVIDENCE_TYPES = OKTA_EVIDENCE.map((e) => e.type);

/** Okta, as the integration page describes it. The redirect URI depends on where we are deployed. */
export function oktaDefinition(publicUrl: string): ConnectorDefinition {
  const redirectUri = `${publicUrl}${callbackPath(OKTA_CONNECTOR_KEY)}`;
  return {
    key: OKTA_CONNECTOR_KEY,
    name: 'Okta',
    category: 'Identity',
    authMethod: 'OAuth 2.0 (PKCE), or an API Services app (private key JWT, DPoP)',
    syncCadence: 'PT1H',
    syncCadenceMs: HOUR_MS,
    staleThreshold: 'PT6H',
    staleThresholdMs: 6 * HOUR_MS,
    // The org authorization server does not extend refresh tokens: 90 days from authorization.
    grantLifetimeMs: 90 * 24 * HOUR_MS,
    evidence: OKTA_EVIDENCE,
    controls: controlsOf(OKTA_EVIDENCE),
    evidenceTypes: [...OKTA_EVIDENCE_TYPES],
    requiredScopes: [...REQUIRED_OKTA_SCOPES],
    optionalScopes: OPTIONAL_OKTA_SCOPES.map(({ scope, why }) => ({ scope, why })),
    redirectUri,
    setupSteps: [
      {
        title: 'Create an OAuth web app in Okta',
        body:
          'In the Okta Admin Console go to Applications → Create App Integration, choose "OIDC - OpenID Connect" and ' +
          `"Web Application". Grant type: Authorization Code and Refresh Token. Sign-in redirect URI: ${redirectUri}. ` +
          'Assign the app to the admin who will authorize the connection.',
      },
      {
        title: 'Grant the read-only Okta API scopes',
        body:
          `On the app's "Okta API Scopes" tab grant ${REQUIRED_OKTA_SCOPES.join(', ')} (a Super Admin must do this). ` +
          `Optionally also grant ${OPTIONAL_OKTA_SCOPES.map((o) => o.scope).join(', ')} to collect who holds which admin ` +
          'role (the connection works without it; the Super Admin check then stays inconclusive). ' +
          'Do not grant any *.manage scope: the connection is refused if a write scope is granted.',
      },
      {
        title: 'Copy the Client ID and Client Secret, then authorize',
        body:
          "Paste your Okta domain (e.g. acme.okta.com), the Client ID and the Client Secret here, and the app's " +
          'client authentication: "Client secret" sent in a Basic header (Okta\'s default) or in the request body. ' +
          'We redirect you to Okta to authorize with PKCE; sign in as an admin with at least read-only access to ' +
          'users, policies and logs.',
      },
      {
        title: 'Or connect an API Services app (no re-authorization every 90 days)',
        body:
          'Instead of steps 1 to 3: create an "API Services" app, set its client authentication to "Public key / ' +
          'Private key", and enter your Okta domain and its Client ID here (connectOktaServiceApp). Paste the public ' +
          `key we show into the app's public keys, grant it ${REQUIRED_OKTA_SCOPES.join(', ')} and the Read-Only ` +
          'Administrator role, then activate (activateServiceApp). Leaving "Require DPoP" on is fine.',
      },
    ],
    legacyAuditKeys: { externalTenant: 'oktaDomain', revocation: 'oktaRevocation' },
    securityModel: [
      {
        title: 'Read-only',
        body: 'Only okta.*.read scopes are requested; a token carrying any other Okta scope is revoked at once.',
      },
      {
        title: 'PKCE and single-use state',
        body: 'Authorization code flow with PKCE (S256) and a 10-minute single-use state bound to your organization, connection and user.',
      },
      {
        title: 'Service apps: a key that never leaves us',
        body: 'For an API Services app we generate the key pair and show only the public key; each token request is signed with the private key (private_key_jwt), and with DPoP the tokens are bound to a second key of ours.',
      },
      {
        title: 'Encrypted credentials',
        body: 'The client secret, private keys and tokens are encrypted with your organization’s own KMS data key and are never logged or returned by the API.',
      },
      {
        title: 'Revocable',
        body: 'Disconnecting revokes the refresh token at Okta and deletes the stored credentials; evidence history stays for the retention period.',
      },
    ],
  };
}
