import {
  type Collector,
  type CollectorContext,
  type RunBounds,
} from '#src/modules/connectors/connector-driver.port';
import { type EvidenceItem } from '#src/modules/evidence/evidence.types';
import { emptyStats, type OktaApiClient, unlessGone } from '#src/modules/connectors/okta/okta-api.client';
import {
  AUTHENTICATION_POLICY_TYPES,
  authenticationPolicyItem,
  groupIdsOf,
  type OktaAuthenticationPolicy,
  type OktaAuthenticationRule,
} from '#src/modules/connectors/okta/authentication-policy.mapper';
import { AUTHENTICATION_POLICY, type OktaGroup } from '#src/modules/connectors/okta/okta.mapper';

/**
 * `okta.authentication_policy`: every MFA_ENROLL, OKTA_SIGN_ON and ACCESS_POLICY policy with its rules.
 * The groups they name are looked up once per run (`GET /api/v1/groups/{id}`, a handful of calls: policies
 * name few groups) so the rows, and the checks reading them, can name them; a group that is gone (404)
 * keeps its id with a null name.
 */
export class AuthenticationPolicyCollector implements Collector {
  readonly evidenceType = AUTHENTICATION_POLICY;
  readonly endpoint = '/api/v1/policies';
  readonly filter = `type=${AUTHENTICATION_POLICY_TYPES.join('|')}; rules from /api/v1/policies/{id}/rules`;
  readonly closesVanished = true;
  readonly stats = emptyStats();

  constructor(private readonly client: (stats: typeof this.stats, bounds: RunBounds) => OktaApiClient) {}

  async *collect(context: CollectorContext): AsyncGenerator<EvidenceItem[]> {
    const api = this.client(this.stats, context);
    const names = new Map<string, string | null>();
    for (const type of AUTHENTICATION_POLICY_TYPES) {
      for await (const policies of api.pages<OktaAuthenticationPolicy>(`/api/v1/policies?type=${type}`)) {
        const items: EvidenceItem[] = [];
        for (const policy of policies) {
          const rules = await api.get<OktaAuthenticationRule[]>(
            `/api/v1/policies/${encodeURIComponent(policy.id)}/rules`,
          );
          for (const id of groupIdsOf(policy, rules))
            if (!names.has(id)) names.set(id, await groupName(api, id));
          items.push(authenticationPolicyItem(policy, Array.isArray(rules) ? rules : [], names));
        }
        yield items;
      }
    }
  }

  cursorAfter(): Record<string, string> {
    return {};
  }
}

/** The group's name, or null when the group no longer exists. */
async function groupName(api: OktaApiClient, id: string): Promise<string | null> {
  const group = await unlessGone(() => api.get<OktaGroup>(`/api/v1/groups/${encodeURIComponent(id)}`));
  return typeof group?.profile?.name === 'string' ? group.profile.name : null;
}
