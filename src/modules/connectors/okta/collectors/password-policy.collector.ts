import {
  type Collector,
  type CollectorContext,
  type RunBounds,
} from '#src/modules/connectors/connector-driver.port';
import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { emptyStats, type OktaApiClient } from '#src/modules/connectors/okta/okta-api.client';
import {
  type OktaPolicy,
  type OktaPolicyRule,
  PASSWORD_POLICY,
  passwordPolicyItem,
} from '#src/modules/connectors/okta/okta.mapper';

/** `okta.password_policy`: every password policy with its rules. */
export class PasswordPolicyCollector implements Collector {
  readonly evidenceType = PASSWORD_POLICY;
  readonly endpoint = '/api/v1/policies';
  readonly filter = 'type=PASSWORD';
  readonly closesVanished = true;
  readonly stats = emptyStats();

  constructor(private readonly client: (stats: typeof this.stats, bounds: RunBounds) => OktaApiClient) {}

  async *collect(context: CollectorContext): AsyncGenerator<EvidenceItem[]> {
    const api = this.client(this.stats, context);
    for await (const policies of api.pages<OktaPolicy>('/api/v1/policies?type=PASSWORD')) {
      yield await Promise.all(
        policies.map(async (policy) =>
          passwordPolicyItem(
            policy,
            await api.get<OktaPolicyRule[]>(`/api/v1/policies/${encodeURIComponent(policy.id)}/rules`),
          ),
        ),
      );
    }
  }

  cursorAfter(): Record<string, string> {
    return {};
  }
}
