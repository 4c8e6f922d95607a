import { join } from 'node:path';
import { type ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';

/** What eslint-rules/boundaries.mjs exports (plain JavaScript, so typed here). */
interface BoundariesPlugin {
  readonly boundaries: ESLint.Plugin;
  readonly boundaryRules: Linter.RulesRecord;
  readonly moduleOf: (root: string, path: string) => string | undefined;
}

const ROOT = join(__dirname, '..', '..', '..');
let plugin: BoundariesPlugin;

beforeAll(async () => {
  plugin = (await import(join(ROOT, 'eslint-rules', 'boundaries.mjs'))) as BoundariesPlugin;
});

/**
 * Lints `code` as if it were the project file `path` (which need not exist; its folders do, since modules
 * are found from the real tree) with the boundary rules and the very options eslint.config.mjs uses. The
 * parser runs without type information: the rules need none.
 */
function lint(path: string, code: string): { rule: string | null; message: string }[] {
  const linter = new Linter({ cwd: ROOT });
  const config: Linter.Config[] = [
    {
      files: ['src/**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { boundaries: plugin.boundaries },
      rules: plugin.boundaryRules,
    },
  ];
  return linter
    .verify(code, config, { filename: join(ROOT, path) })
    .map((m) => ({ rule: m.ruleId, message: m.message }));
}

const INJECTS = `
import { Injectable } from '@nestjs/common';
import { InjectModel as Inject } from '@nestjs/mongoose';
import { type Model } from 'mongoose';
@Injectable()
export class Widgets {
  constructor(@Inject('Widget') private readonly model: Model<object>) {}
}
`;

describe('boundaries/inject-model-in-repositories', () => {
  it('refuses @InjectModel outside a *.repository.ts file, and says where the model access goes', () => {
    expect(lint('src/modules/coverage/widgets.service.ts', INJECTS)).toEqual([
      {
        rule: 'boundaries/inject-model-in-repositories',
        message: expect.stringContaining('widgets.repository.ts') as string,
      },
    ]);
    const namespaced = `import * as mongoose from '@nestjs/mongoose';
      export class W { constructor(@mongoose.InjectModel('W') readonly m: unknown) {} }`;
    expect(lint('src/common/scheduling/lease-lock.ts', namespaced).map((m) => m.rule)).toEqual([
      'boundaries/inject-model-in-repositories',
    ]);
  });

  it('allows it in a repository file', () => {
    expect(lint('src/modules/coverage/widgets.repository.ts', INJECTS)).toEqual([]);
  });
});

describe('boundaries/no-foreign-persistence', () => {
  const rule = 'boundaries/no-foreign-persistence';

  it.each([
    [
      'an alias import of a schema',
      'src/modules/retention/x.ts',
      `import { EvidenceDocument } from '#src/modules/evidence/evidence.schema';`,
    ],
    [
      'a relative import of a repository',
      'src/modules/retention/x.ts',
      `import { EvidenceRepository } from '../evidence/evidence.repository';`,
    ],
    [
      'a type-only import',
      'src/modules/coverage/x.ts',
      `import type { AuditRepository } from '#src/modules/audit/audit.repository';`,
    ],
    [
      'a re-export',
      'src/modules/coverage/x.ts',
      `export { AuditLogDocument } from '#src/modules/audit/audit.schema';`,
    ],
    [
      'a nested module (sync) from its parent folder',
      'src/modules/connectors/x.ts',
      `import { ConnectorRunsRepository } from './sync/connector-runs.repository';`,
    ],
    [
      'another src/common folder',
      'src/common/crypto/x.ts',
      `import { LeaseDocument } from '#src/common/scheduling/lease.schema';`,
    ],
    [
      'a dynamic import',
      'src/modules/coverage/x.ts',
      `export const load = () => import('#src/modules/audit/audit.repository');`,
    ],
    [
      'a value import in a spec',
      'src/modules/coverage/x.spec.ts',
      `import { AuditRepository } from '#src/modules/audit/audit.repository';`,
    ],
    [
      'a type import of a schema in a spec',
      'src/modules/coverage/x.spec.ts',
      `import { type AuditAction } from '#src/modules/audit/audit.schema';`,
    ],
  ])('refuses %s', (_, path, code) => {
    const messages = lint(path, code);
    expect(messages.map((m) => m.rule)).toEqual([rule]);
    expect(messages[0]?.message).toContain(code.slice(code.indexOf("'") + 1, code.lastIndexOf("'")));
  });

  it.each([
    [
      "its own module's repository",
      'src/modules/evidence/x.service.ts',
      `import { EvidenceRepository } from './evidence.repository';`,
    ],
    [
      "its own module's schema, from a subfolder",
      'src/modules/coverage/checks/x.ts',
      `import { type AlertKind } from '../coverage.schema';`,
    ],
    [
      'the shared tenant repository base',
      'src/modules/audit/x.repository.ts',
      `import { TenantRepository } from '#src/common/tenancy/tenant.repository';`,
    ],
    [
      "a type of another module's repository in a spec (for a fake)",
      'src/modules/coverage/x.spec.ts',
      `import { type AuditRepository } from '#src/modules/audit/audit.repository';`,
    ],
    [
      "another module's service",
      'src/modules/retention/x.ts',
      `import { EvidenceService } from '#src/modules/evidence/evidence.service';`,
    ],
  ])('allows %s', (_, path, code) => {
    expect(lint(path, code)).toEqual([]);
  });

  it('finds modules as the nearest folder with a *.module.ts; each src/common folder is one', () => {
    expect(plugin.moduleOf(ROOT, 'src/modules/connectors/sync/use-cases/x.ts')).toBe(
      'src/modules/connectors/sync',
    );
    expect(plugin.moduleOf(ROOT, 'src/modules/connectors/oauth/oauth2-token.client.ts')).toBe(
      'src/modules/connectors',
    );
    expect(plugin.moduleOf(ROOT, 'src/common/util/canonical-json.ts')).toBe('src/common/util');
    expect(plugin.moduleOf(ROOT, 'src/main.ts')).toBe('src');
  });
});

describe('boundaries/connector-private', () => {
  const rule = 'boundaries/connector-private';

  it.each([
    [
      'another module (a spec too)',
      'src/modules/coverage/x.spec.ts',
      `import { acmeDefinition } from '#src/modules/connectors/acme/acme.definition';`,
    ],
    [
      'the sync module',
      'src/modules/connectors/sync/x.ts',
      `import { AcmeDriver } from '../acme/acme.driver';`,
    ],
    [
      'the connectors folder itself',
      'src/modules/connectors/connectors.module.ts',
      `import { AcmeClient } from './acme/acme.client';`,
    ],
  ])('refuses an import of a connector file from %s', (_, path, code) => {
    const messages = lint(path, code);
    expect(messages.map((m) => m.rule)).toEqual([rule]);
    expect(messages[0]?.message).toContain("connector 'acme'");
  });

  it.each([
    [
      'the registry file',
      'src/modules/connectors/installed-connectors.ts',
      `import { AcmeModule } from './acme/acme.module';`,
    ],
    [
      'inside the connector',
      'src/modules/connectors/acme/collectors/x.ts',
      `import { AcmeClient } from '#src/modules/connectors/acme/acme.client';`,
    ],
    [
      'a public file beside the connector folders',
      'src/modules/coverage/x.ts',
      `import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';`,
    ],
    [
      'the OAuth kit, which is not a connector',
      'src/modules/connectors/acme/acme.auth.ts',
      `import { OAuth2TokenClient } from '#src/modules/connectors/oauth/oauth2-token.client';`,
    ],
    [
      'sync, which is not a connector',
      'src/modules/coverage/x.ts',
      `import { SyncService } from '#src/modules/connectors/sync/sync.service';`,
    ],
  ])('allows %s', (_, path, code) => {
    expect(lint(path, code)).toEqual([]);
  });
});
