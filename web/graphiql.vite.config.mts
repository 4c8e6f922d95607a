import { join } from 'node:path';
import { defineConfig } from 'vite';

/**
 * GraphiQL (development only). `npm run build` writes it to dist-dev/graphiql, outside dist/ so that the
 * runtime image never carries it; with NODE_ENV=development the API serves it at /graphiql (its asset URLs
 * start with that base).
 */
export default defineConfig({
  root: join(import.meta.dirname, 'graphiql'),
  base: '/graphiql/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: join(import.meta.dirname, '..', 'dist-dev', 'graphiql'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      // GraphiQL's React dependencies mark their modules "use client", which means nothing in a browser bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
