import { type CodegenConfig } from '@graphql-codegen/cli';

/** Operation types from schema.gql: a schema change that breaks the dashboard fails its typecheck. */
const config: CodegenConfig = {
  schema: 'schema.gql',
  documents: ['web/src/**/*.tsx', 'web/src/**/*.ts', '!web/src/gql/**'],
  generates: {
    'web/src/gql/': {
      preset: 'client',
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string', JSON: 'unknown' } },
      presetConfig: { fragmentMasking: false },
    },
  },
  ignoreNoDocuments: false,
};

export default config;
