import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphiqlRoot } from '#src/common/graphql/graphiql';
import { type AppConfig } from '#src/config/app-config';
import { TestApp } from '../support/test-app';
import { testConfig } from '../support/test-config';

/*
 * GraphiQL, browser-free: in development the page and everything it loads come from the app itself (no CDN),
 * under the app's Content-Security-Policy; in test and production there is no GraphiQL at all.
 */

/** The whole application with NODE_ENV as given (the configuration otherwise a test's). */
const startApp = (nodeEnv: AppConfig['nodeEnv']): Promise<TestApp> =>
  TestApp.startWith({ ...testConfig(), nodeEnv });

/** Every script, module preload and stylesheet URL of an HTML page, as written. */
function referencedUrls(html: string): string[] {
  const tags =
    html.match(/<script\b[^>]*>|<link\b[^>]*\brel="(?:stylesheet|modulepreload|preload)"[^>]*>/g) ?? [];
  return tags.flatMap((tag) => {
    const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    return url === undefined ? [] : [url];
  });
}

/** The chunks a bundled script imports (static and dynamic), as URLs relative to it. */
function importedChunks(script: string): string[] {
  return [...script.matchAll(/["'`](\.\/[\w.-]+\.(?:js|css))["'`]/g)].map((m) => m[1] as string);
}

const CDN = /unpkg\.com|jsdelivr\.net|cdnjs\.|esm\.sh|skypack\.dev|googleapis\.com/;

describe('GraphiQL (e2e, no browser)', () => {
  it('is built (npm run build writes dist-dev/graphiql)', () => {
    expect(graphiqlRoot()).toEqual(expect.stringMatching(/dist-dev[/\\]graphiql$/));
  });

  describe('in development', () => {
    let app: TestApp | undefined;
    let url: string;

    beforeAll(async () => {
      app = await startApp('development');
      url = app.url;
    });
    afterAll(() => app?.close());

    it('serves the page, and every script and style it loads, from the app itself (200, same origin)', async () => {
      const page = await fetch(`${url}/graphiql/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('<div id="graphiql">');
      expect(html).not.toMatch(CDN);

      const direct = referencedUrls(html).map((ref) => new URL(ref, page.url));
      expect(direct.filter((u) => u.pathname.endsWith('.js')).length).toBeGreaterThanOrEqual(1);
      expect(direct.filter((u) => u.pathname.endsWith('.css')).length).toBeGreaterThanOrEqual(1);

      const seen = new Set<string>();
      const queue = [...direct];
      while (queue.length > 0) {
        const asset = queue.shift() as URL;
        if (seen.has(asset.href)) continue;
        seen.add(asset.href);
        expect(asset.origin).toBe(url);
        expect(asset.pathname).toMatch(/^\/graphiql\/assets\//);
        const res = await fetch(asset);
        expect({ asset: asset.pathname, status: res.status }).toEqual({ asset: asset.pathname, status: 200 });
        expect(res.headers.get('content-type')).toMatch(
          asset.pathname.endsWith('.css') ? /^text\/css/ : /^(?:text|application)\/javascript/,
        );
        const body = await res.text();
        expect(body.length).toBeGreaterThan(0);
        if (asset.pathname.endsWith('.js'))
          for (const chunk of importedChunks(body)) queue.push(new URL(chunk, asset));
      }
      // The entry, its preloaded runtime, its stylesheet and the chunks it loads on demand (CodeMirror,
      // graphql-ws): everything the build wrote.
      const builtAssets = readdirSync(join(graphiqlRoot() ?? 'dist-dev/graphiql', 'assets'));
      expect(builtAssets.length).toBeGreaterThan(5);
      expect([...seen].map((href) => new URL(href).pathname).sort()).toEqual(
        builtAssets.map((name) => `/graphiql/assets/${name}`).sort(),
      );
    });

    it('sends a Content-Security-Policy that allows scripts from the app alone', async () => {
      const res = await fetch(`${url}/graphiql/`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/(?:^|;)script-src 'self'(?:;|$)/);
      expect(csp).toMatch(/(?:^|;)default-src 'self'(?:;|$)/);
      expect(csp).not.toContain('upgrade-insecure-requests');
    });

    it('sends a browser that opens /graphql to GraphiQL, and still answers GraphQL there', async () => {
      const browser = await fetch(`${url}/graphql`, {
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
        redirect: 'manual',
      });
      expect(browser.status).toBe(302);
      expect(browser.headers.get('location')).toBe('/graphiql/');

      const client = await fetch(`${url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
      });
      expect(client.status).toBe(200);
      expect(await client.json()).toEqual({ data: { __typename: 'Query' } });
    });

    it('answers 404 for an asset that does not exist', async () => {
      expect((await fetch(`${url}/graphiql/assets/missing-0000.js`)).status).toBe(404);
    });
  });

  describe.each<AppConfig['nodeEnv']>(['test', 'production'])('in %s', (nodeEnv) => {
    let app: TestApp | undefined;
    let url: string;

    beforeAll(async () => {
      app = await startApp(nodeEnv);
      url = app.url;
    });
    afterAll(() => app?.close());

    it('has no GraphiQL: the page and its assets are 404, and /graphql shows no landing page', async () => {
      expect((await fetch(`${url}/graphiql/`)).status).toBe(404);
      expect((await fetch(`${url}/graphiql`)).status).toBe(404);
      expect((await fetch(`${url}/graphiql/index.html`)).status).toBe(404);
      // The assets development serves, by their built names.
      const built = readFileSync(join(graphiqlRoot() ?? 'dist-dev/graphiql', 'index.html'), 'utf8');
      const assets = referencedUrls(built);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      for (const asset of assets) expect((await fetch(new URL(asset, url))).status).toBe(404);

      const browser = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(browser.status).not.toBe(302);
      expect(browser.status).toBeGreaterThanOrEqual(400);
      const body = await browser.text();
      expect(body).not.toMatch(/graphiql/i);
      expect(body).not.toMatch(CDN);
    });
  });
});
