import { type AddressInfo } from 'node:net';
import { MetricsServer } from '#src/common/metrics/metrics-http';
import { type AppConfig } from '#src/config/app-config';
import { TestApp } from '../support/test-app';
import { testConfig } from '../support/test-config';

const TOKEN = 'metrics-token-0123456789abcdef';

/** The whole application with `metrics` (and NODE_ENV) as given, the configuration otherwise a test's. */
class MetricsApp {
  private constructor(private readonly t: TestApp) {}

  static async start(change: {
    nodeEnv?: AppConfig['nodeEnv'];
    metrics?: Partial<AppConfig['metrics']>;
  }): Promise<MetricsApp> {
    const base = testConfig();
    return new MetricsApp(
      await TestApp.startWith({
        ...base,
        nodeEnv: change.nodeEnv ?? base.nodeEnv,
        metrics: { ...base.metrics, ...change.metrics },
      }),
    );
  }

  get api(): string {
    return this.t.url;
  }

  /** The separate metrics port's address. */
  metricsAddress(): AddressInfo {
    return this.t.get<MetricsServer>(MetricsServer).address();
  }

  close(): Promise<void> {
    return this.t.close();
  }
}

async function scrape(url: string, authorization?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
  return { status: res.status, body: await res.text() };
}

const SAMPLE = /^okta_evidence_syncs_total|^# TYPE okta_evidence_process_cpu_seconds_total counter$/m;

describe('/metrics over HTTP', () => {
  let t: MetricsApp | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('outside production without a token: open on the API port', async () => {
    t = await MetricsApp.start({});
    const res = await scrape(`${t.api}/metrics`);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(SAMPLE);
  });

  it.each<['test' | 'production']>([['test'], ['production']])(
    'with METRICS_TOKEN (%s): the bearer token on the API port, 401 without it or with another',
    async (nodeEnv) => {
      t = await MetricsApp.start({ nodeEnv, metrics: { token: TOKEN } });
      expect((await scrape(`${t.api}/metrics`)).status).toBe(401);
      expect((await scrape(`${t.api}/metrics`, `Bearer ${TOKEN}x`)).status).toBe(401);
      expect((await scrape(`${t.api}/metrics`, `Bearer ${TOKEN.slice(0, -1)}`)).status).toBe(401);
      expect((await scrape(`${t.api}/metrics`, TOKEN)).status).toBe(401);
      const ok = await scrape(`${t.api}/metrics`, `Bearer ${TOKEN}`);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatch(SAMPLE);
    },
  );

  it('in production without METRICS_TOKEN or METRICS_PORT: not served (404), the API still is', async () => {
    t = await MetricsApp.start({ nodeEnv: 'production' });
    expect((await scrape(`${t.api}/metrics`)).status).toBe(404);
    expect((await scrape(`${t.api}/metrics`, `Bearer ${TOKEN}`)).status).toBe(404);
    expect((await scrape(`${t.api}/health/live`)).status).toBe(200);
  });

  it.each<['test' | 'production']>([['test'], ['production']])(
    'with METRICS_PORT (%s): only on that port, at METRICS_HOST (loopback by default), never on the API port',
    async (nodeEnv) => {
      t = await MetricsApp.start({ nodeEnv, metrics: { port: 0 } });
      const address = t.metricsAddress();
      expect(address.address).toBe('127.0.0.1');
      const metrics = `http://127.0.0.1:${address.port}`;
      const ok = await scrape(`${metrics}/metrics`);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatch(SAMPLE);
      expect((await scrape(`${metrics}/graphql`)).status).toBe(404);
      expect((await scrape(`${t.api}/metrics`)).status).toBe(404);
    },
  );

  it('with METRICS_PORT and METRICS_TOKEN: the separate port wants the bearer token too', async () => {
    t = await MetricsApp.start({ nodeEnv: 'production', metrics: { port: 0, token: TOKEN } });
    const metrics = `http://127.0.0.1:${t.metricsAddress().port}/metrics`;
    expect((await scrape(metrics)).status).toBe(401);
    expect((await scrape(metrics, 'Bearer wrong-token-0123456789')).status).toBe(401);
    expect((await scrape(metrics, `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await scrape(`${t.api}/metrics`, `Bearer ${TOKEN}`)).status).toBe(404);
  });

  it('closes the metrics port with the application', async () => {
    const app = await MetricsApp.start({ metrics: { port: 0 } });
    const metrics = `http://127.0.0.1:${app.metricsAddress().port}/metrics`;
    expect((await scrape(metrics)).status).toBe(200);
    await app.close();
    await expect(fetch(metrics)).rejects.toThrow();
  });
});
