import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './outbound-guard';

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export class HttpTimeoutError extends Error {
  constructor(url: string, timeoutMs: number) {
    super(`Request to ${new URL(url).origin} timed out after ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

export interface RequestOptions {
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Only for allow-listed hosts (tests, demo); customer hosts never reach private addresses. */
  readonly allowPrivateAddresses: boolean;
  readonly maxBodyBytes?: number;
}

const agents = new Map<string, http.Agent>();

/** Keep-alive agents whose every new socket goes through the SSRF-guarded lookup. */
export function guardedAgent(protocol: 'http:' | 'https:', allowPrivateAddresses: boolean): http.Agent {
  const key = `${protocol}${allowPrivateAddresses}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    const options = { keepAlive: true, maxSockets: 16, lookup: guardedLookup(allowPrivateAddresses) };
    agent = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

/**
 * One outbound HTTP request to a customer-supplied host: guarded DNS, a hard deadline for the whole
 * exchange, a bounded body. Never logs; callers decide what of the response is safe to keep.
 */
export function request(url: string, options: RequestOptions): Promise<HttpResponse> {
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    return Promise.reject(new Error(`Unsupported protocol ${target.protocol}`));
  }
  const lib = target.protocol === 'https:' ? https : http;
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  return new Promise<HttpResponse>((resolve, reject) => {
    const req = lib.request(
      target,
      {
        method: options.method,
        headers: options.headers,
        agent: guardedAgent(target.protocol as 'http:' | 'https:', options.allowPrivateAddresses),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) {
            req.destroy(new Error(`Response from ${target.origin} exceeds ${maxBody} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new HttpTimeoutError(url, options.timeoutMs)),
      options.timeoutMs,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
