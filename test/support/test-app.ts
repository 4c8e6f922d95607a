import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { AbstractLoader, ExpressLoader } from '@nestjs/serve-static';
import { Test } from '@nestjs/testing';
import { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { AppModule } from '#src/app.module';
import { type ConnectorModule } from '#src/modules/connectors/connector-driver.port';
import { configureApp } from '#src/bootstrap';
import { type AppConfig, type Env } from '#src/config/app-config';
import { AppLogger } from '#src/common/logging/app-logger';
import { OrgContext } from '#src/common/tenancy/org-context';
import { type Role } from '#src/common/tenancy/principal';
import { TokenService } from '#src/common/tenancy/token.service';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import { testConfig } from './test-config';

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data: T | null | undefined;
  errors: { message: string; extensions?: { code?: string } & Record<string, unknown> }[] | undefined;
}

export interface TestOrg {
  organizationId: string;
  adminToken: string;
}

/** Keeps every structured log line the application writes (for secret scans); echoes errors to stderr. */
export class CapturedLogs {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level !== undefined && Number(level) >= 50) process.stderr.write(line);
  }
}

/** The whole application on a random loopback port, with its own database. */
export class TestApp {
  /** Every GraphQL response body this helper received, raw. */
  readonly responses: string[] = [];

  private constructor(
    readonly app: INestApplication,
    readonly config: AppConfig,
    readonly url: string,
    readonly logger: CapturedLogs,
  ) {}

  /** `connectors`: the installed connectors, for a test that adds its own (default: the deployment's). */
  static async start(
    overrides: Env = {},
    connectors?: readonly ConnectorModule[],
    port = 0,
  ): Promise<TestApp> {
    return TestApp.startWith(testConfig(overrides), connectors, port);
  }

  /** The whole application with this configuration (a test's own, such as another NODE_ENV), on a loopback port. */
  static async startWith(
    config: AppConfig,
    connectors?: readonly ConnectorModule[],
    port = 0,
  ): Promise<TestApp> {
    const logger = new CapturedLogs();
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config, logger, connectors)],
    })
      // serve-static picks its loader when the module compiles, and a testing module has no HTTP adapter yet
      // then (NestFactory.create has): give it the Express one the application will have.
      .overrideProvider(AbstractLoader)
      .useValue(new ExpressLoader())
      .compile();
    const app = configureApp(moduleRef.createNestApplication({ bufferLogs: true }), config);
    app.useLogger(app.get(AppLogger));
    await app.listen(port, '127.0.0.1');
    const address = (app.getHttpServer() as Server).address() as AddressInfo;
    return new TestApp(app, config, `http://127.0.0.1:${address.port}`, logger);
  }

  get<T>(token: unknown): T {
    return this.app.get(token as never);
  }

  get connection(): Connection {
    return this.app.get<Connection>(getConnectionToken());
  }

  http(): ReturnType<typeof request> {
    return request(this.app.getHttpServer() as Server);
  }

  async createOrg(name = 'Acme'): Promise<TestOrg> {
    const org = await this.app.get(OrganizationsService).create(name, 'test');
    return { organizationId: org.id, adminToken: await this.token(org.id, 'ADMIN') };
  }

  token(
    organizationId: string,
    role: Role,
    userId = `user-${role.toLowerCase()}`,
    ttlSeconds = 3600,
  ): Promise<string> {
    return this.app.get(TokenService).issue({ organizationId, role, userId }, ttlSeconds);
  }

  /** Runs `fn` as a system job of the organization (for tests that drive services directly). */
  /** Starts a sync of the connection as `token`'s user (`syncConnection`) and waits until syncs are idle. */
  async syncNow(token: string, connectionId: string): Promise<void> {
    const result = await this.gql(
      token,
      'mutation($id: ID!) { syncConnection(input: { connectionId: $id }) { id } }',
      { id: connectionId },
    );
    expect(result.errors).toBeUndefined();
    await this.app.get(SyncService).idle();
  }

  asOrg<T>(organizationId: string, fn: () => T): T {
    return OrgContext.runAsSystem(organizationId, 'test', fn);
  }

  async gql<T = Record<string, unknown>>(
    token: string | undefined,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GqlResult<T>> {
    const req = this.http().post('/graphql').set('content-type', 'application/json');
    if (token !== undefined) req.set('authorization', `Bearer ${token}`);
    const res = await req.send({ query, variables });
    this.responses.push(res.text);
    const body = res.body as { data?: T | null; errors?: GqlResult['errors'] };
    return { status: res.status, data: body.data, errors: body.errors };
  }

  /** Makes a connection's last successful sync `agoMs` old, as if it had not synced since (staleness tests). */
  async backdateLastSync(connectionId: string, agoMs: number): Promise<void> {
    await this.connection.db
      ?.collection('connections')
      .updateOne(
        { _id: new Types.ObjectId(connectionId) },
        { $set: { lastSuccessfulSyncAt: new Date(Date.now() - agoMs) } },
      );
  }

  async close(): Promise<void> {
    try {
      await this.connection.dropDatabase();
    } finally {
      await this.app.close();
    }
  }
}

export function errorCode(result: GqlResult<unknown>): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}
