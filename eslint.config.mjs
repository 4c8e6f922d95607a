import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { boundaries, boundaryRules } from './eslint-rules/boundaries.mjs';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-test/**',
      'dist-dev/**',
      'node_modules/**',
      '.data/**',
      '.cache/**',
      'coverage/**',
      '*.js',
      '*.mjs',
      'scripts/*.mjs',
      'web/src/gql/**',
      'web/*.mts',
      'web/codegen.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../*'], message: 'Import through the #src/ alias.' }] },
      ],
    },
  },
  {
    // The lint plugin itself is plain JavaScript, outside the TypeScript project.
    files: ['eslint-rules/**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Module boundaries (docs/adr/0011-module-boundaries.md); src/common/lint/boundaries.spec.ts runs the same.
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    rules: boundaryRules,
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  prettier,
);
