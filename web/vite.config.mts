import { defineConfig } from 'vite';

/**
 * The dashboard. `npm run build` writes it to dist/web, which the API serves at `/`; `npm run dev` serves it
 * here with hot reload and sends API calls to the API (`API_URL`, default http://127.0.0.1:3000).
 */
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/api': { target: api, changeOrigin: true },
      '/health': { target: api, changeOrigin: true },
    },
  },
});
