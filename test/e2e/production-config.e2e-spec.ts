import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT, runEntry } from '../support/dist-process';
import { testTempDir } from '../support/test-temp';

/**
 * `node dist/main.js` with NODE_ENV=production, as an operator starts it. The database is a TCP listener that
 * only counts connections: a process stopped at validation never reaches it, and one that passed validation
 * does (the control case).
 */
class ConnectionRecorder {
  readonly sockets: Socket[] = [];
  private readonly server: Server = createServer((socket) => {
    this.sockets.push(socket);
    this.waiters.splice(0).forEach((w) => w());
  });
  private waiters: (() => void)[] = [];

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    return `mongodb://127.0.0.1:${port}/?replicaSet=rs0`;
  }

  firstConnection(): Promise<void> {
    return this.sockets.length > 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('NODE_ENV=production fails fast at validation', () => {
  const db = new ConnectionRecorder();
  let complete: Record<string, string>;

  beforeAll(async () => {
    complete = {
      NODE_ENV: 'production',
      PORT: '0',
      MONGO_URL: await db.listen(),
      PUBLIC_URL: 'https://evidence.example.test',
      DASHBOARD_URL: 'https://app.example.test/okta',
      AUTH_JWT_SECRET: 'production-secret-0123456789-abcdefghijklmnop',
      KMS_PROVIDER: 'aws',
      KMS_KEY_ID: 'alias/okta-evidence',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'production-config-test',
      AWS_SECRET_ACCESS_KEY: 'production-config-test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  });

  afterAll(() => db.close());

  /** A fresh data folder and mongodb-memory-server download folder, to prove nothing went into either. */
  function folders(): { DATA_DIR: string; MONGOMS_DOWNLOAD_DIR: string } {
    const root = testTempDir('production-config-');
    return { DATA_DIR: join(root, 'data'), MONGOMS_DOWNLOAD_DIR: mkdtempSync(join(root, 'mongoms-')) };
  }

  it('passes validation and goes to its database when everything is set (the control)', async () => {
    const dirs = folders();
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...complete, ...dirs },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const outcome = await Promise.race([db.firstConnection().then(() => 'connected'), exited]);
      expect({ outcome, stderr }).toEqual({ outcome: 'connected', stderr: '' });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['MONGO_URL unset', { MONGO_URL: '' }, /^MONGO_URL: required when NODE_ENV=production/],
    ['PUBLIC_URL unset', { PUBLIC_URL: '' }, /^PUBLIC_URL: required when NODE_ENV=production/],
    [
      'PUBLIC_URL over http',
      { PUBLIC_URL: 'http://evidence.example.test' },
      /^PUBLIC_URL: expected an https URL when NODE_ENV=production/,
    ],
    ['DASHBOARD_URL unset', { DASHBOARD_URL: '' }, /^DASHBOARD_URL: required when NODE_ENV=production/],
    [
      'AUTH_JWT_SECRET unset (and no AUTH_JWKS_URL)',
      { AUTH_JWT_SECRET: '' },
      /^AUTH_JWT_SECRET: required when NODE_ENV=production/,
    ],
    ['KMS_KEY_ID unset', { KMS_KEY_ID: '' }, /^KMS_KEY_ID: required when KMS_PROVIDER=aws/],
    ['AWS_REGION unset', { AWS_REGION: '' }, /^AWS_REGION: required when KMS_PROVIDER=aws/],
    [
      'KMS_PROVIDER=local',
      { KMS_PROVIDER: 'local', KMS_KEY_ID: '', AWS_REGION: '' },
      /^KMS_PROVIDER: "local" is for development only/,
    ],
    [
      'ROLE=worker without REDIS_URL',
      { ROLE: 'worker' },
      /^REDIS_URL: required when NODE_ENV=production with ROLE=worker/,
    ],
  ])(
    'exits 1 on %s with one message naming it, before any database or embedded mongod',
    async (_case, change, message) => {
      const dirs = folders();
      const connectionsBefore = db.sockets.length;
      const result = await runEntry('main.js', [], { ...complete, ...change, ...dirs });
      expect(result.code).toBe(1);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe('Invalid configuration:');
      expect(lines.slice(1)).toHaveLength(1);
      expect(lines[1]?.replace(/^ {2}- /, '')).toMatch(message);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/MongoMemoryServer|mongodb-memory-server|embedded MongoDB/i);
      expect(db.sockets.length).toBe(connectionsBefore);
      expect(existsSync(join(dirs.DATA_DIR, 'mongo'))).toBe(false);
      expect(readdirSync(dirs.MONGOMS_DOWNLOAD_DIR)).toEqual([]);
    },
  );
});
