export interface TitledText {
  readonly title: string;
  readonly body: string;
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
