import 'reflect-metadata';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { KeyProviderModule } from '#src/common/crypto/key-provider.module';
import { DatabaseModule } from '#src/common/database/database.module';
import { PubSubModule } from '#src/common/graphql/pubsub.module';
import { MetricsModule } from '#src/common/metrics/metrics';
import { TokenService } from '#src/common/tenancy/token.service';
import { loadConfig } from '#src/config/app-config';
import { AppConfigModule } from '#src/config/config.module';
import { OrganizationsModule } from '#src/modules/organizations/organizations.module';
import { OrganizationsService } from '#src/modules/organizations/organizations.service';
import { type Env } from './services';

const TOKEN_TTL_S = 86_400;

/**
 * What `dist/cli.js org create` composes, plus the metrics module the database module now depends on:
 * the CLI fails to boot without it (reported; until it is fixed the bench makes organizations itself).
 */
@Module({})
class OrgFactoryModule {
  static forRoot(env: Env): DynamicModule {
    return {
      module: OrgFactoryModule,
      imports: [
        AppConfigModule.forRoot(loadConfig(env)),
        MetricsModule,
        DatabaseModule,
        KeyProviderModule,
        PubSubModule,
        OrganizationsModule,
      ],
      providers: [TokenService],
    };
  }
}

/** A new organization (with its data key) in the app's database, and an ADMIN token for it. */
export async function createOrg(env: Env): Promise<{ organizationId: string; token: string }> {
  const context = await NestFactory.createApplicationContext(OrgFactoryModule.forRoot(env), {
    logger: ['error'],
  });
  try {
    const organization = await context.get(OrganizationsService).create('Bench', 'bench');
    const token = await context
      .get(TokenService)
      .issue({ organizationId: organization.id, role: 'ADMIN', userId: 'bench-admin' }, TOKEN_TTL_S);
    return { organizationId: organization.id, token };
  } finally {
    await context.close();
  }
}
