export interface TitledText {
  readonly title: string;
  readonly body: string;
}

/**
 * What an evidence type describes, for the platform's checks, which read every installed type of their
 * subject: `identity.user` rows carry `status`, `login`, `mfaEnrolled`, `lastLoginDay`, `created`;
 * `identity.password_policy` rows carry `status`, `name`, `complexity`, `lockout`, `age`;
 * `identity.authentication_policy` rows carry `policyType` (MFA_ENROLL, OKTA_SIGN_ON, ACCESS_POLICY),
 * `status`, `name` and `rules` (`AuthenticationRule`s: status, people, access, `requireFactor`, `factorMode`);
 * `identity.admin_role` rows (one per user holding an admin role, `sourceId` the user's id, as in
 * `identity.user` rows) carry `login`, `status` and `roles` (`type`, `label`, `assignmentType`, `group`).
 */
export const EVIDENCE_SUBJECTS = [
  'identity.user',
  'identity.password_policy',
  'identity.authentication_policy',
  'identity.admin_role',
] as const;
export type EvidenceSubject = (typeof EVIDENCE_SUBJECTS)[number];

/** One evidence type a connector collects: the controls it supports and how people call it. */
export interface EvidenceTypeDefinition {
  readonly type: string;
  /** Lower case, for sentences: "no user MFA evidence". */
  readonly label: string;
  readonly controls: readonly string[];
  /** Set when the platform's checks should read this type (its rows then carry the subject's fields). */
  readonly subject?: EvidenceSubject;
  /**
   * One of the connector's `optionalScopes`: the type is collected only from connections that granted it,
   * so its absence is no gap in coverage, and checks reading it are INCONCLUSIVE ("<scope> not granted").
   */
  readonly optionalScope?: string;
}

/** A scope the customer may grant for more evidence; never required, its absence never an error. */
export interface OptionalScope {
  readonly scope: string;
  /** What granting it adds, for the integration page. */
  readonly why: string;
}

/** What the integration page shows for one connector; pure data. */
export interface ConnectorDefinition {
  readonly key: string;
  readonly name: string;
  readonly category: string;
  readonly authMethod: string;
  /** ISO-8601 duration shown to people, e.g. "PT1H". */
  readonly syncCadence: string;
  readonly syncCadenceMs: number;
  readonly staleThreshold: string;
  readonly staleThresholdMs: number;
  /** How long an authorization lasts before an admin must authorize again (`Connection.reauthDueAt`). */
  readonly grantLifetimeMs: number;
  /** The evidence types with their controls and labels; `evidenceTypes` and `controls` are derived from it. */
  readonly evidence: readonly EvidenceTypeDefinition[];
  readonly controls: readonly string[];
  readonly evidenceTypes: readonly string[];
  readonly requiredScopes: readonly string[];
  /** Requested beside the required scopes; a connection works without them (see `optionalScope`). */
  readonly optionalScopes: readonly OptionalScope[];
  readonly redirectUri: string;
  readonly setupSteps: readonly TitledText[];
  readonly securityModel: readonly TitledText[];
  /**
   * Deprecated names of generic audit detail keys, written beside them for readers of entries written
   * before the connector port, when the connector used vendor-named keys (its definition lists them).
   */
  readonly legacyAuditKeys?: Readonly<Partial<Record<AuditDetailKey, string>>>;
}

/** The audit detail keys the platform writes about a connection's account at the vendor. */
export type AuditDetailKey = 'externalTenant' | 'revocation';

/** `details` with the connector's deprecated key names added beside the generic ones. */
export function withLegacyAuditKeys(
  definition: Pick<ConnectorDefinition, 'legacyAuditKeys'>,
  details: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...details };
  for (const [key, legacy] of Object.entries(definition.legacyAuditKeys ?? {}))
    if (legacy !== undefined && key in details) out[legacy] = details[key];
  return out;
}

/** The one OAuth callback route: `/api/integrations/:key/callback`, one path per connector key. */
export const CALLBACK_ROUTE = '/api/integrations/:key/callback';

export function callbackPath(key: string): string {
  return CALLBACK_ROUTE.replace(':key', key);
}

/** The optional scope a connection must have granted for `type` to be collected (undefined: none needed). */
export function optionalScopeOf(definition: ConnectorDefinition, type: string): string | undefined {
  return definition.evidence.find((e) => e.type === type)?.optionalScope;
}

/** The controls an evidence list supports, each once, in order. */
export function controlsOf(evidence: readonly EvidenceTypeDefinition[]): string[] {
  return [...new Set(evidence.flatMap((e) => e.controls))].sort();
}
