import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type INestApplication, Logger } from '@nestjs/common';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { type NextFunction, type Request, type Response } from 'express';
import { GRAPHQL_PATH } from './graphql-path';

/** Where GraphiQL is served, in development only. */
export const GRAPHIQL_PATH = '/graphiql';

/**
 * Where `npm run build` wrote GraphiQL (web/graphiql, bundled by Vite): dist-dev/graphiql at the project's
 * root, outside dist/ so that the runtime image never carries it.
 */
export function graphiqlRoot(): string | undefined {
  return [
    join(__dirname, '..', '..', '..', 'dist-dev', 'graphiql'),
    join(process.cwd(), 'dist-dev', 'graphiql'),
  ].find((dir) => existsSync(join(dir, 'index.html')));
}

/**
 * Development only (the caller checks NODE_ENV): serves the bundled GraphiQL at /graphiql/ from the app
 * itself, so nothing is loaded from a CDN, and sends a browser that opens /graphql there. Never called in
 * test or production, where /graphiql answers 404.
 */
export function serveGraphiql(app: INestApplication): void {
  const root = graphiqlRoot();
  if (root === undefined) {
    new Logger('GraphiQL').warn(
      `dist-dev/graphiql not found: run \`npm run build\`; ${GRAPHIQL_PATH} answers 404`,
    );
    return;
  }
  // The page's chunks are content-hashed; index.html is not, and is revalidated.
  (app as NestExpressApplication).useStaticAssets(root, {
    prefix: GRAPHIQL_PATH,
    index: 'index.html',
    setHeaders: (res: Response, path: string) => {
      if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
    },
  });
  app.use(GRAPHQL_PATH, (req: Request, res: Response, next: NextFunction) => {
    const browser =
      req.method === 'GET' &&
      req.path === '/' &&
      req.query.query === undefined &&
      req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
    if (browser) res.redirect(302, `${GRAPHIQL_PATH}/`);
    else next();
  });
}
