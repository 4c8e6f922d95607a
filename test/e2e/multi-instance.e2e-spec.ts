import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Types } from 'mongoose';
import { AlertsService } from '#src/modules/coverage/alerts.service';
import { freePort } from '../support/net';
import { TestApp, type TestOrg } from '../support/test-app';
import { subscribe } from '../support/ws-client';

/** CI starts a Redis (TEST_REDIS_URL); elsewhere a `redis-server` on the PATH is started for the suite. */
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const available = process.env.TEST_REDIS_URL !== undefined || hasRedisServer;
if (!available)
  console.warn('Cross-instance subscription test skipped: set TEST_REDIS_URL or install redis-server.');

const ALERTS = 'subscription { staleAlerts { kind connectionId message resolvedAt } }';

(available ? describe : describe.skip)('several instances share subscriptions through Redis (e2e)', () => {
  let redis: ChildProcess | undefined;
  let redisUrl: string;
  let worker: TestApp;
  let api: TestApp;
  let org: TestOrg;
  let other: TestOrg;

  beforeAll(async () => {
    redisUrl = process.env.TEST_REDIS_URL ?? '';
    if (redisUrl === '') {
      const port = await freePort();
      redis = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      redisUrl = `redis://127.0.0.1:${port}`;
      await sleep(300);
    }
    worker = await TestApp.start({ REDIS_URL: redisUrl, ROLE: 'worker' });
    api = await TestApp.start({
      REDIS_URL: redisUrl,
      ROLE: 'api',
      MONGO_DB_NAME: worker.config.mongoDbName,
      LOCAL_MASTER_KEY_FILE: worker.config.kms.localMasterKeyFile,
    });
    org = await worker.createOrg('Shared');
    other = await worker.createOrg('Other');
  });
  afterAll(async () => {
    await api?.close();
    await worker?.app.close();
    redis?.kill();
  });

  it("delivers an alert raised on the worker to a subscriber connected to the api instance, in the subscriber's organization only", async () => {
    const mine = subscribe<{ staleAlerts: { kind: string; connectionId: string; message: string } }>(
      api.url,
      ALERTS,
      `Bearer ${org.adminToken}`,
    );
    const theirs = subscribe<{ staleAlerts: unknown }>(api.url, ALERTS, `Bearer ${other.adminToken}`);
    await Promise.all([mine.connected, theirs.connected]);
    await sleep(300);
    try {
      const connectionId = new Types.ObjectId().toHexString();
      await worker.asOrg(org.organizationId, () =>
        worker
          .get<AlertsService>(AlertsService)
          .open('STALE_CONNECTOR', connectionId, 'raised on the worker'),
      );
      const event = await mine.next(5000);
      expect(event.staleAlerts).toEqual({
        kind: 'STALE_CONNECTOR',
        connectionId,
        message: 'raised on the worker',
        resolvedAt: null,
      });
      await sleep(300);
      expect(theirs.events).toEqual([]);
    } finally {
      await Promise.all([mine.dispose(), theirs.dispose()]);
    }
  });
});
