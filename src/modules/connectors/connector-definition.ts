export interface TitledText {
  readonly title: string;
  readonly body: string;
}

/** One evidence type a connector collects: the controls it supports and how people call it. */
export interface EvidenceTypeDefinition {
  readonly type: string;
  /** Lower case, for sentences: "no user MFA evidence". */
  readonly label: string;
  readonly controls: readonly string[];
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
  /** The evidence types with their controls and labels; `evidenceTypes` and `controls` are derived from it. */
  readonly evidence: readonly EvidenceTypeDefinition[];
  readonly controls: readonly string[];
  readonly evidenceTypes: readonly string[];
  readonly requiredScopes: readonly string[];
  readonly redirectUri: string;
  readonly setupSteps: readonly TitledText[];
  readonly securityModel: readonly TitledText[];
}

/** The one OAuth callback route: `/api/integrations/:key/callback` (Okta's is `/api/integrations/okta/callback`). */
export const CALLBACK_ROUTE = '/api/integrations/:key/callback';

export function callbackPath(key: string): string {
  return CALLBACK_ROUTE.replace(':key', key);
}

/** The controls an evidence list supports, each once, in order. */
export function controlsOf(evidence: readonly EvidenceTypeDefinition[]): string[] {
  return [...new Set(evidence.flatMap((e) => e.controls))].sort();
}
