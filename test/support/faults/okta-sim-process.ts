/**
 * The Okta simulator as its own process, for the fault suite (test/faults): the simulated org and its
 * authorization server on one port, and a small control API on a second loopback port through which a
 * test switches faults on and off, changes users' factors and reads the org's ground truth.
 *
 *   node dist-test/test/support/faults/okta-sim-process.js --users 600 --seed 7 --client-id … \
 *     --client-secret … --redirect-uri …
 *
 * Prints one JSON line `{ url, host, control, users }` once both listen; stops on SIGTERM/SIGINT.
 * Rate limits start high (the suite's syncs must not wait on them unless a test asks for it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Fault, OktaOrgState, OktaSimulator, type RateLimitConfig } from '../okta-simulator';
import { type FaultKind } from '../okta-simulator/okta-api';

export interface SimFaultSpec {
  kind: FaultKind;
  /** A regular expression source matched against the API path. */
  path?: string;
  count: number;
  latencyMs?: number;
}

export interface SimUserTruth {
  id: string;
  factorIds: string[];
}

const HIGH_LIMITS: RateLimitConfig = {
  windowMs: 60_000,
  limits: { users: 1_000_000, logs: 1_000_000, default: 1_000_000 },
};

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function main(): Promise<void> {
  const users = Number(flag('users', '300'));
  const state = OktaOrgState.seed({
    users,
    seed: Number(flag('seed', '7')),
    withoutMfaRatio: Number(flag('without-mfa-ratio', '0')),
  });
  const sim = await OktaSimulator.start({
    clientId: flag('client-id', 'fault-okta-client'),
    clientSecret: flag('client-secret', 'fault-okta-client-secret'),
    redirectUri: flag('redirect-uri', 'http://127.0.0.1:3000/api/integrations/okta/callback'),
    port: Number(flag('port', '0')),
    state,
  });
  sim.api.rateLimits = HIGH_LIMITS;

  const truth = (): SimUserTruth[] =>
    sim.state
      .activeUsers()
      .map((u) => ({ id: u.id, factorIds: (sim.state.factors.get(u.id) ?? []).map((f) => f.id).sort() }));

  const routes: Record<string, (body: Record<string, unknown>) => unknown> = {
    'GET /users': () => ({ users: truth() }),
    'GET /stats': () => ({
      requests: sim.api.requests.length,
      statuses: sim.api.requests.reduce<Record<string, number>>((acc, r) => {
        acc[String(r.status)] = (acc[String(r.status)] ?? 0) + 1;
        return acc;
      }, {}),
      tokenCalls: sim.oauth.calls.length,
    }),
    /** Replaces the fault list (an empty list clears it). */
    'POST /faults': (body) => {
      const specs = (body.faults ?? []) as SimFaultSpec[];
      const faults: Fault[] = specs.map((s) => ({
        kind: s.kind,
        count: s.count,
        ...(s.path === undefined ? {} : { path: new RegExp(s.path) }),
        ...(s.latencyMs === undefined ? {} : { latencyMs: s.latencyMs }),
      }));
      sim.api.faults.splice(0, sim.api.faults.length, ...faults);
      return { faults: specs.length };
    },
    'POST /rate-limits': (body) => {
      sim.api.rateLimits = (body.limits as RateLimitConfig | undefined) ?? HIGH_LIMITS;
      return { ok: true };
    },
    /** Gives every n-th active user one more ACTIVE factor (logged as Okta logs it); returns their ids. */
    'POST /change-factors': (body) => {
      const ratio = Number(body.ratio ?? 0.3);
      const active = sim.state.activeUsers();
      const every = Math.max(1, Math.round(1 / ratio));
      const changed = active.filter((_, i) => i % every === 0).map((u) => u.id);
      for (const id of changed) sim.state.enrollFactor(id);
      return { changed };
    },
    /** The access token presented by the API request `after` requests from now stops being accepted (401). */
    'POST /reject-token': (body) => {
      sim.api.expireTokenAtRequest = sim.api.requests.length + Math.max(1, Number(body.after ?? 1));
      return { ok: true };
    },
    /** The token endpoint answers with this instead of issuing tokens (null: normal again). */
    'POST /token-fault': (body) => {
      const fault = body.fault as { status: number; body: Record<string, unknown> } | null | undefined;
      sim.oauth.tokenFault = fault ?? undefined;
      return { ok: true };
    },
    'POST /reset': () => {
      sim.api.faults.splice(0, sim.api.faults.length);
      sim.api.rateLimits = HIGH_LIMITS;
      sim.api.expireTokenAtRequest = undefined;
      sim.oauth.tokenFault = undefined;
      return { ok: true };
    },
  };

  const control = createServer((req, res) => {
    const route = routes[`${req.method ?? 'GET'} ${new URL(req.url ?? '/', 'http://control').pathname}`];
    if (route === undefined) return reply(res, 404, { error: 'no such control' });
    readJson(req).then(
      (body) => reply(res, 200, route(body)),
      (error: unknown) => reply(res, 400, { error: String(error) }),
    );
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;

  process.stdout.write(
    `${JSON.stringify({ url: sim.url, host: sim.host, control: controlUrl, users: sim.state.activeUsers().length })}\n`,
  );
  const stop = (): void => {
    control.close();
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
