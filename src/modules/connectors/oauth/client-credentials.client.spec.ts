import { type HttpResponse, request } from '#src/common/net/http-client';
import { OAuthExchangeError, type ServiceAppClient } from '#src/modules/connectors/connector-driver.port';
import { ClientCredentialsClient } from './client-credentials.client';
import { DpopNonces } from './dpop';
import { generateKeyPairJwk, signingKey } from './jwk';

jest.mock('#src/common/net/http-client', () => ({ request: jest.fn() }));

const send = request as jest.MockedFunction<typeof request>;
const SERVER = {
  vendor: 'Okta',
  origin: { domain: 'acme.okta.com', baseUrl: 'https://acme.okta.com', allowPrivateAddresses: false },
  tokenPath: '/oauth2/v1/token',
  revokePath: '/oauth2/v1/revoke',
};

function answer(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, body: JSON.stringify(body) };
}

let client: ServiceAppClient;
beforeAll(async () => {
  client = {
    connectionId: 'c1',
    externalTenant: 'acme.okta.com',
    clientId: '0oa1',
    keys: {
      client: signingKey(await generateKeyPairJwk('RS256')),
      dpop: signingKey(await generateKeyPairJwk('ES256')),
    },
    dpop: false,
  };
});
beforeEach(() => send.mockReset());

function sent(i: number): { headers: Record<string, string>; form: URLSearchParams } {
  const options = send.mock.calls[i]?.[1];
  return {
    headers: { ...(options?.headers ?? {}) },
    form: new URLSearchParams(typeof options?.body === 'string' ? options.body : ''),
  };
}

function proofClaims(proof: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from((proof ?? '').split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

describe('ClientCredentialsClient.token', () => {
  it('asks for the scopes with a client assertion and no DPoP while none is demanded', async () => {
    send.mockResolvedValueOnce(
      answer(200, { access_token: 'at', token_type: 'Bearer', expires_in: 3600, scope: 'a b' }),
    );
    const tokens = await new ClientCredentialsClient().token(SERVER, client, ['a', 'b'], new DpopNonces());
    expect(tokens).toEqual({ accessToken: 'at', tokenType: 'Bearer', expiresInSeconds: 3600, scope: 'a b' });
    const { headers, form } = sent(0);
    expect(headers.dpop).toBeUndefined();
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe('a b');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(form.get('client_secret')).toBeNull();
  });

  it('sends a proof once DPoP is demanded, then the nonce it is challenged with, and remembers the nonce', async () => {
    send
      .mockResolvedValueOnce(
        answer(400, { error: 'invalid_dpop_proof', error_description: 'DPoP proof required' }),
      )
      .mockResolvedValueOnce(answer(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'n1' }))
      .mockResolvedValueOnce(answer(200, { access_token: 'at', token_type: 'DPoP', expires_in: 3600 }));
    const nonces = new DpopNonces();
    const tokens = await new ClientCredentialsClient().token(SERVER, client, ['a'], nonces);
    expect(tokens.tokenType).toBe('DPoP');
    expect(send).toHaveBeenCalledTimes(3);
    expect(sent(0).headers.dpop).toBeUndefined();
    expect(proofClaims(sent(1).headers.dpop)).not.toHaveProperty('nonce');
    expect(proofClaims(sent(2).headers.dpop)).toMatchObject({ nonce: 'n1', htm: 'POST' });
    expect(sent(1).form.get('client_assertion')).not.toBe(sent(2).form.get('client_assertion'));
    expect(nonces.get('c1', 'token', 'https://acme.okta.com/oauth2/v1/token')).toBe('n1');
  });

  it('fails after 3 nonce challenges for one request, saying so', async () => {
    let n = 0;
    send.mockImplementation(() =>
      Promise.resolve(answer(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': `n${++n}` })),
    );
    const error = await new ClientCredentialsClient()
      .token(SERVER, { ...client, dpop: true }, ['a'], new DpopNonces())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthExchangeError);
    expect((error as OAuthExchangeError).message).toBe('Okta kept demanding a new DPoP nonce (3 challenges)');
    expect(send).toHaveBeenCalledTimes(3);
  });

  it.each([
    [
      'The client_assertion signature is invalid.',
      /does not hold our public key; paste the public key shown/,
    ],
    [
      'Client authentication with client_secret is required for this client.',
      /must use "Public key \/ Private key"/,
    ],
  ])('explains invalid_client (%s) without repeating the vendor or any key', async (description, message) => {
    send.mockResolvedValueOnce(answer(401, { error: 'invalid_client', error_description: description }));
    const error = (await new ClientCredentialsClient()
      .token(SERVER, client, ['a'], new DpopNonces())
      .catch((e: unknown) => e)) as OAuthExchangeError;
    expect(error.code).toBe('invalid_client');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(description);
    expect(error.message).not.toContain(client.keys.client.publicJwk.n ?? '?');
  });
});
