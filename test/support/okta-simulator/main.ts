/**
 * Runs the Okta simulator as a process (demo, benchmark, manual testing):
 *   npm run simulator -- --users 500 --port 4100 --client-id demo-client --client-secret demo-secret \
 *     --redirect-uri http://localhost:3000/api/integrations/okta/callback
 * Hostile or slow Okta: `--storm-reset-ms 110000` answers every API call 429 with a reset that far ahead;
 * `--latency-ms 200` delays every API call. `--client-auth post` makes the app's client authentication
 * client_secret_post (default basic, Okta's default).
 * Prints one JSON line with its URL once it listens; stops on SIGINT/SIGTERM.
 */
import { OktaSimulator } from './index';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const users = Number(flag('users', '500'));
  const port = Number(flag('port', '0'));
  const clientId = flag('client-id', 'demo-okta-client');
  const clientSecret = flag('client-secret', 'demo-okta-client-secret');
  const redirectUri = flag('redirect-uri', 'http://localhost:3000/api/integrations/okta/callback');
  const clientAuth = flag('client-auth', 'basic');
  if (clientAuth !== 'basic' && clientAuth !== 'post') throw new Error('--client-auth must be basic or post');
  if (!Number.isInteger(users) || users < 1 || !Number.isInteger(port) || port < 0)
    throw new Error('--users and --port must be integers');
  const sim = await OktaSimulator.start({
    clientId,
    clientSecret,
    redirectUri,
    tokenEndpointAuthMethod: clientAuth === 'basic' ? 'client_secret_basic' : 'client_secret_post',
    users,
    port,
    seed: Number(flag('seed', '42')),
  });
  const stormResetMs = Number(flag('storm-reset-ms', '0'));
  const latencyMs = Number(flag('latency-ms', '0'));
  if (!Number.isInteger(stormResetMs) || stormResetMs < 0 || !Number.isInteger(latencyMs) || latencyMs < 0)
    throw new Error('--storm-reset-ms and --latency-ms must be integers ≥ 0');
  if (stormResetMs > 0) sim.api.rateLimitStorm = { resetAheadMs: stormResetMs };
  sim.api.latencyMs = latencyMs;
  process.stdout.write(
    `${JSON.stringify({ url: sim.url, host: sim.host, clientId, users: sim.state.activeUsers().length })}\n`,
  );
  const stop = (): void => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
