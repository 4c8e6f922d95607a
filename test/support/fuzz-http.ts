import { type Agent, request } from 'node:http';

export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'OPTIONS';
  /** Path and query string, e.g. `/graphql?query=...`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export type RawResponse =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly contentType: string;
      readonly text: string;
    }
  | { readonly kind: 'transport'; readonly error: string };

/**
 * One HTTP request, on its own socket unless an agent is given, exactly as given: no JSON encoding, no default
 * content type. A reset, a closed socket or no answer within `timeoutMs` comes back as `transport`,
 * never as an exception, so a fuzz can record it as a finding.
 */
export function rawRequest(
  baseUrl: string,
  req: RawRequest,
  timeoutMs = 15_000,
  /** A keep-alive agent to send several requests over one connection; by default a socket per request. */
  agent?: Agent,
): Promise<RawResponse> {
  const url = new URL(req.path, baseUrl);
  return new Promise<RawResponse>((resolve) => {
    let settled = false;
    const done = (result: RawResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(body.length);
    }
    const client = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => done({ kind: 'transport', error: `response ${error.message}` }));
        res.on('end', () =>
          done({
            kind: 'response',
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    const timer = setTimeout(() => {
      done({ kind: 'transport', error: `no response within ${timeoutMs} ms` });
      client.destroy();
    }, timeoutMs);
    client.on('error', (error: NodeJS.ErrnoException) =>
      done({ kind: 'transport', error: `${error.code ?? 'ERROR'}: ${error.message}` }),
    );
    // The server may answer (e.g. 413) and close before the whole body is written: that is not a reset.
    client.on('close', () => {
      if (!settled)
        setImmediate(() => done({ kind: 'transport', error: 'socket closed without a response' }));
    });
    if (body !== undefined) client.write(body);
    client.end();
  });
}

/** A JSON POST of a GraphQL request with a bearer token. */
export function postGraphql(
  baseUrl: string,
  token: string | undefined,
  payload: unknown,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<RawResponse> {
  return rawRequest(baseUrl, {
    method: 'POST',
    path: '/graphql',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...extraHeaders,
    },
    body: JSON.stringify(payload),
  });
}
