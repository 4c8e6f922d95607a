import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { CLIENT_ASSERTION_TYPE, clientAssertion } from '#src/modules/connectors/oauth/client-assertion';
import { dpopProof } from '#src/modules/connectors/oauth/dpop';
import { generateKeyPairJwk, type SigningKey, signingKey } from '#src/modules/connectors/oauth/jwk';
import { REQUIRED_OKTA_SCOPES, ROLES_SCOPE } from '#src/modules/connectors/okta/okta-scopes';
import { OktaSimulator } from '../support/okta-simulator';

/** Okta's published Management API spec, beside the project (never copied into it). */
const SPEC = join(__dirname, '..', '..', '..', 'shared', 'okta', 'okta-management-openapi.yaml');
const available = existsSync(SPEC);
if (!available) {
  console.warn(
    `Okta simulator conformance test skipped: ${SPEC} not found (it lives in ../shared/okta/ beside the project).`,
  );
}

type Schema = {
  $ref?: string;
  items?: Schema & { discriminator?: { propertyName: string; mapping: Record<string, string> } };
};
interface Spec {
  paths: Record<
    string,
    {
      get?: {
        responses: Record<string, { $ref?: string; content?: { 'application/json'?: { schema: Schema } } }>;
      };
    }
  >;
  components: { schemas: Record<string, unknown> };
}

(available ? describe : describe.skip)("the Okta simulator conforms to Okta's Management API spec", () => {
  let spec: Spec;
  let ajv: Ajv;
  let sim: OktaSimulator;
  const TOKEN = 'conformance-test-token';

  beforeAll(async () => {
    spec = parse(readFileSync(SPEC, 'utf8'), { maxAliasCount: -1 }) as Spec;
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'okta.json', components: { schemas: spec.components.schemas } });
    sim = await OktaSimulator.start({
      clientId: 'c',
      clientSecret: 's',
      redirectUri: 'http://app.test/cb',
      users: 40,
      seed: 5,
    });
    sim.api.staticTokens.set(TOKEN, [...REQUIRED_OKTA_SCOPES, ROLES_SCOPE]);
  }, 60_000);
  afterAll(() => sim.close());

  const component = (ref: string): ValidateFunction => {
    const validate = ajv.getSchema(`okta.json${ref}`);
    if (validate === undefined) throw new Error(`no schema ${ref}`);
    return validate;
  };

  /** Validates a 200 list body item by item, following the spec's discriminator where it has one. */
  function validateList(path: string, body: unknown): string[] {
    const schema = spec.paths[path]?.get?.responses['200']?.content?.['application/json']?.schema;
    if (schema?.items === undefined) throw new Error(`no list schema for ${path}`);
    if (!Array.isArray(body)) return ['not an array'];
    const problems: string[] = [];
    for (const [i, item] of body.entries()) {
      const { discriminator } = schema.items;
      const ref = discriminator
        ? discriminator.mapping[String((item as Record<string, unknown>)[discriminator.propertyName])]
        : schema.items.$ref;
      if (ref === undefined) {
        problems.push(`[${i}] no schema for ${JSON.stringify(item).slice(0, 80)}`);
        continue;
      }
      const validate = component(ref);
      if (validate(item)) continue;
      // The one known deviation: the spec's own example password policy has `minNumber: null` while its
      // schema says integer; the simulator follows the example (Okta returns it), collectors treat it as null.
      const errors = (validate.errors ?? []).filter(
        (e) => !(e.instancePath === '/settings/password/complexity/minNumber' && e.keyword === 'type'),
      );
      if (errors.length > 0) problems.push(`[${i}] ${ajv.errorsText(errors)}`);
    }
    return problems;
  }

  async function get(
    path: string,
    token = TOKEN,
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  }

  it.each([
    ['/api/v1/users', '/api/v1/users?limit=200'],
    ['/api/v1/users', `/api/v1/users?filter=${encodeURIComponent('status eq "ACTIVE"')}&limit=200`],
    ['/api/v1/policies', '/api/v1/policies?type=PASSWORD'],
    ['/api/v1/policies', '/api/v1/policies?type=MFA_ENROLL'],
    ['/api/v1/policies', '/api/v1/policies?type=OKTA_SIGN_ON'],
    ['/api/v1/policies', '/api/v1/policies?type=ACCESS_POLICY'],
    [
      '/api/v1/logs',
      `/api/v1/logs?since=${encodeURIComponent(new Date(Date.now() - 40 * 86_400_000).toISOString())}&until=${encodeURIComponent(new Date().toISOString())}&limit=1000`,
    ],
    ['/api/v1/groups', '/api/v1/groups'],
  ])('answers %s (%s) with bodies that match the spec', async (specPath, url) => {
    const { status, body } = await get(url);
    expect(status).toBe(200);
    expect((body as unknown[]).length).toBeGreaterThan(0);
    expect(validateList(specPath, body)).toEqual([]);
  });

  it("answers every user's factors and every policy's rules with bodies that match the spec", async () => {
    const problems: string[] = [];
    for (const user of [...sim.state.users.values()].slice(0, 25)) {
      const { body } = await get(`/api/v1/users/${user.id}/factors`);
      problems.push(...validateList('/api/v1/users/{userId}/factors', body).map((p) => `${user.id} ${p}`));
    }
    sim.state.exemptGroupFromSecondFactor(2, 'ACCESS_POLICY');
    sim.state.exemptGroupFromSecondFactor(2, 'OKTA_SIGN_ON');
    const ruleTypes = new Set<string>();
    for (const policy of sim.state.policies) {
      const { body } = await get(`/api/v1/policies/${policy.id}/rules`);
      for (const rule of body as { type: string }[]) ruleTypes.add(rule.type);
      problems.push(
        ...validateList('/api/v1/policies/{policyId}/rules', body).map((p) => `${policy.id} ${p}`),
      );
    }
    expect(problems).toEqual([]);
    expect([...ruleTypes].sort()).toEqual(['ACCESS_POLICY', 'MFA_ENROLL', 'PASSWORD', 'SIGN_ON']);
  });

  it("answers each group and every group's members with bodies that match the spec", async () => {
    const problems: string[] = [];
    const groupSchema =
      spec.paths['/api/v1/groups/{groupId}']?.get?.responses['200']?.content?.['application/json']?.schema
        ?.$ref;
    if (groupSchema === undefined) throw new Error('no schema for /api/v1/groups/{groupId}');
    for (const group of sim.state.groups) {
      const one = await get(`/api/v1/groups/${group.id}`);
      expect(one.status).toBe(200);
      const validate = component(groupSchema);
      if (!validate(one.body)) problems.push(`${group.id} ${JSON.stringify(validate.errors)}`);
      const { body } = await get(`/api/v1/groups/${group.id}/users?limit=1000`);
      problems.push(...validateList('/api/v1/groups/{groupId}/users', body).map((p) => `${group.id} ${p}`));
    }
    expect(problems).toEqual([]);
    expect((await get('/api/v1/groups/00gmissing0000000000/users')).status).toBe(404);
  });

  it('answers the role endpoints (assignees, user, user and group roles) with bodies that match the spec', async () => {
    const schemaOf = (path: string): string => {
      const ref = spec.paths[path]?.get?.responses['200']?.content?.['application/json']?.schema?.$ref;
      if (ref === undefined) throw new Error(`no schema for ${path}`);
      return ref;
    };
    const problems: string[] = [];
    const admins: string[] = [];
    let next: string | undefined = '/api/v1/iam/assignees/users?limit=2';
    while (next !== undefined) {
      const page = await get(next);
      expect(page.status).toBe(200);
      const validate = component(schemaOf('/api/v1/iam/assignees/users'));
      if (!validate(page.body)) problems.push(`assignees ${JSON.stringify(validate.errors)}`);
      const body = page.body as { value: { id: string }[]; _links: { next?: { href: string } } };
      admins.push(...body.value.map((v) => v.id));
      next =
        body._links.next === undefined
          ? undefined
          : new URL(body._links.next.href).pathname + new URL(body._links.next.href).search;
    }
    expect(admins).toEqual(sim.state.usersWithRoles());
    expect(admins.length).toBe(4);
    const assignmentTypes = new Set<string>();
    for (const id of admins) {
      const user = await get(`/api/v1/users/${id}`);
      const validate = component(schemaOf('/api/v1/users/{id}'));
      if (!validate(user.body)) problems.push(`${id} ${JSON.stringify(validate.errors)}`);
      const { body } = await get(`/api/v1/users/${id}/roles`);
      for (const role of body as { assignmentType: string }[]) assignmentTypes.add(role.assignmentType);
      problems.push(...validateList('/api/v1/users/{userId}/roles', body).map((p) => `${id} ${p}`));
    }
    expect([...assignmentTypes].sort()).toEqual(['GROUP', 'USER']);
    for (const group of sim.state.groups) {
      const { body } = await get(`/api/v1/groups/${group.id}/roles`);
      problems.push(...validateList('/api/v1/groups/{groupId}/roles', body).map((p) => `${group.id} ${p}`));
    }
    expect(problems).toEqual([]);
    sim.api.staticTokens.set('without-roles', [...REQUIRED_OKTA_SCOPES]);
    for (const path of ['/api/v1/iam/assignees/users', `/api/v1/users/${admins[0] ?? ''}/roles`]) {
      const res = await fetch(`${sim.url}${path}`, { headers: { authorization: 'Bearer without-roles' } });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toMatch(/scope="okta.roles.read"/);
    }
  });

  it('answers errors (401, 429, 404) with the spec’s Error object and sends rate-limit headers', async () => {
    const error = component('#/components/schemas/Error');
    const unauthorized = await get('/api/v1/users', 'not-a-token');
    expect(unauthorized.status).toBe(401);
    expect(error(unauthorized.body)).toBe(true);
    expect(unauthorized.body).toMatchObject({ errorCode: 'E0000011' });
    const missing = await get('/api/v1/users/00unope/factors');
    expect(missing.status).toBe(404);
    expect(error(missing.body)).toBe(true);

    sim.api.faults.push({ kind: 'http429', count: 1 });
    const limited = await get('/api/v1/users');
    expect(limited.status).toBe(429);
    expect(error(limited.body)).toBe(true);
    expect(limited.body).toMatchObject({ errorCode: 'E0000047' });
    for (const header of ['x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset']) {
      expect(Number(limited.headers.get(header))).not.toBeNaN();
    }
  });

  it('paginates with separate Link headers and an opaque cursor, capping limit at 200', async () => {
    const res = await fetch(`${sim.url}/api/v1/users?limit=500`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const links = res.headers.get('link') ?? '';
    expect(((await res.json()) as unknown[]).length).toBeLessThanOrEqual(200);
    expect(links).toMatch(/rel="self"/);
    const small = await fetch(`${sim.url}/api/v1/users?limit=10`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const next = /<([^>]+)>; rel="next"/.exec(small.headers.get('link') ?? '')?.[1] ?? '';
    const after = new URL(next).searchParams.get('after') ?? '';
    expect(after).not.toMatch(/^00u/); // not a bare user id
    const page2 = (await (await fetch(next, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
      id: string;
    }[];
    const page1 = (await small.json()) as { id: string }[];
    expect(page2[0]?.id).not.toBe(page1[0]?.id);
  });

  it('answers a missing scope with 403, an empty body and insufficient_scope in WWW-Authenticate', async () => {
    sim.api.staticTokens.set('users-only', ['okta.users.read']);
    const res = await fetch(`${sim.url}/api/v1/policies?type=PASSWORD`, {
      headers: { authorization: 'Bearer users-only' },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('');
    expect(res.headers.get('www-authenticate')).toMatch(
      /error="insufficient_scope".*scope="okta.policies.read"|scope="okta.policies.read".*error="insufficient_scope"/,
    );
  });

  it('rejects a System Log query older than 180 days (E0000053) and polls with an endless next link', async () => {
    const old = await get(
      `/api/v1/logs?since=${encodeURIComponent(new Date(Date.now() - 200 * 86_400_000).toISOString())}`,
    );
    expect(old.status).toBe(400);
    expect(old.body).toMatchObject({ errorCode: 'E0000053' });
    const res = await fetch(
      `${sim.url}/api/v1/logs?since=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`,
      {
        headers: { authorization: `Bearer ${TOKEN}` },
      },
    );
    await res.text();
    expect(res.headers.get('link')).toMatch(/rel="next"/);
  });

  describe('the org authorization server: client credentials with private_key_jwt and DPoP', () => {
    const OAUTH_SPEC = join(__dirname, '..', '..', '..', 'shared', 'okta', 'okta-oauth-openapi.yaml');
    let oauth: Ajv;
    const tokenUrl = (): string => `${sim.url}/oauth2/v1/token`;

    beforeAll(() => {
      const parsed = parse(readFileSync(OAUTH_SPEC, 'utf8'), { maxAliasCount: -1 }) as Spec;
      oauth = new Ajv({ strict: false, allErrors: true, validateFormats: false });
      oauth.addSchema({ $id: 'oauth.json', components: { schemas: parsed.components.schemas } });
    });

    const schema = (name: string): ValidateFunction => {
      const validate = oauth.getSchema(`oauth.json#/components/schemas/${name}`);
      if (validate === undefined) throw new Error(`no schema ${name}`);
      return validate;
    };

    async function app(clientId: string, dpop: boolean) {
      const keys = {
        client: signingKey(await generateKeyPairJwk('RS256')),
        dpop: signingKey(await generateKeyPairJwk('ES256')),
      };
      await sim.oauth.registerServiceApp({ clientId, jwks: [{ ...keys.client.publicJwk }], dpop });
      return keys;
    }

    async function token(clientId: string, key: SigningKey, proof?: string) {
      const res = await fetch(tokenUrl(), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(proof === undefined ? {} : { dpop: proof }),
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: REQUIRED_OKTA_SCOPES.join(' '),
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: clientAssertion({ clientId, audience: tokenUrl(), key }),
        }).toString(),
      });
      return {
        status: res.status,
        nonce: res.headers.get('dpop-nonce'),
        body: (await res.json()) as Record<string, unknown>,
      };
    }

    it("answers a service app's client-credentials request with the spec's TokenResponse (Bearer, no refresh token)", async () => {
      const keys = await app('conformance-bearer', false);
      const answer = await token('conformance-bearer', keys.client);
      expect(answer.status).toBe(200);
      expect(schema('TokenResponse')(answer.body)).toBe(true);
      expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(answer.body).not.toHaveProperty('refresh_token');
      expect(String(answer.body.scope).split(' ').sort()).toEqual([...REQUIRED_OKTA_SCOPES].sort());
      expect((await get('/api/v1/users?limit=1', String(answer.body.access_token))).status).toBe(200);
    });

    it('demands a DPoP proof, then the nonce, with OAuthError bodies; the DPoP-bound token works only as DPoP with a proof', async () => {
      const keys = await app('conformance-dpop', true);
      const missing = await token('conformance-dpop', keys.client);
      expect(missing.status).toBe(400);
      expect(schema('OAuthError')(missing.body)).toBe(true);
      expect(missing.body.error).toBe('invalid_dpop_proof');
      const challenged = await token(
        'conformance-dpop',
        keys.client,
        dpopProof({ key: keys.dpop, method: 'POST', url: tokenUrl() }),
      );
      expect(challenged.status).toBe(400);
      expect(schema('OAuthError')(challenged.body)).toBe(true);
      expect(challenged.body.error).toBe('use_dpop_nonce');
      const nonce = challenged.nonce ?? '';
      expect(nonce).not.toBe('');
      const issued = await token(
        'conformance-dpop',
        keys.client,
        dpopProof({ key: keys.dpop, method: 'POST', url: tokenUrl(), nonce }),
      );
      expect(issued.status).toBe(200);
      // RFC 9449 §5: token_type DPoP (the spec's TokenResponseTokenType enum predates DPoP and lists only Bearer).
      expect(issued.body.token_type).toBe('DPoP');
      const accessToken = String(issued.body.access_token);
      const users = `${sim.url}/api/v1/users?limit=1`;
      expect((await get('/api/v1/users?limit=1', accessToken)).status).toBe(401); // as Bearer
      const noNonce = await fetch(users, {
        headers: {
          authorization: `DPoP ${accessToken}`,
          dpop: dpopProof({ key: keys.dpop, method: 'GET', url: users, accessToken }),
        },
      });
      expect(noNonce.status).toBe(401);
      expect(noNonce.headers.get('www-authenticate')).toMatch(/^DPoP .*error="use_dpop_nonce"/);
      const apiNonce = noNonce.headers.get('dpop-nonce') ?? '';
      const ok = await fetch(users, {
        headers: {
          authorization: `DPoP ${accessToken}`,
          dpop: dpopProof({ key: keys.dpop, method: 'GET', url: users, accessToken, nonce: apiNonce }),
        },
      });
      expect(ok.status).toBe(200);
      const otherKey = signingKey(await generateKeyPairJwk('ES256'));
      const stolen = await fetch(users, {
        headers: {
          authorization: `DPoP ${accessToken}`,
          dpop: dpopProof({ key: otherKey, method: 'GET', url: users, accessToken, nonce: apiNonce }),
        },
      });
      expect(stolen.status).toBe(401);
      expect(stolen.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof"/);
    });
  });
});
