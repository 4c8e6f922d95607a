import { followRedirects } from './browser';

export interface OktaClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** `POST /graphql` over real HTTP to any running app (in-process or a child process). */
export async function gqlAt<T>(
  baseUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T | null; errors?: { message: string }[] };
}

/**
 * Connects an Okta (simulator) org the way an admin does: `connectOkta`, the browser through the org's
 * authorization server, then the callback on the app. Returns the connection id. The app syncs it next.
 */
export async function connectOkta(options: {
  baseUrl: string;
  publicUrl: string;
  token: string;
  oktaDomain: string;
  client: OktaClient;
  /** `CLIENT_SECRET_BASIC` or `CLIENT_SECRET_POST`; omitted: the API's default. */
  clientAuthMethod?: string;
}): Promise<string> {
  const result = await gqlAt<{ connectOkta: { authorizeUrl: string; connection: { id: string } } }>(
    options.baseUrl,
    options.token,
    'mutation($input: ConnectOktaInput!) { connectOkta(input: $input) { authorizeUrl connection { id } } }',
    {
      input: {
        oktaDomain: options.oktaDomain,
        ...options.client,
        ...(options.clientAuthMethod === undefined ? {} : { clientAuthMethod: options.clientAuthMethod }),
      },
    },
  );
  const payload = result.data?.connectOkta;
  if (payload === undefined || payload === null) throw new Error(JSON.stringify(result.errors));
  await completeAuthorization(options.baseUrl, options.publicUrl, payload.authorizeUrl);
  return payload.connection.id;
}

/**
 * Follows an authorize URL through the simulator's sign-in to the app's callback, as the admin's browser
 * does, and calls it; throws unless the callback reports the connection connected.
 */
export async function completeAuthorization(
  baseUrl: string,
  publicUrl: string,
  authorizeUrl: string,
): Promise<void> {
  const callback = `${publicUrl}/api/integrations/okta/callback`;
  const back = new URL(await followRedirects(authorizeUrl, callback));
  const response = await fetch(`${baseUrl}${back.pathname}${back.search}`, { redirect: 'manual' });
  await response.arrayBuffer();
  const location = response.headers.get('location') ?? '';
  if (!location.includes('result=connected')) throw new Error(`callback answered ${location}`);
}
