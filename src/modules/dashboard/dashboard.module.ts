import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';

/**
 * The app's own paths, answered with index.html so that a link to `/integrations/<key>` or `/coverage` loads
 * the app. Only these: the API's paths (and their errors: a malformed body on /graphql stays a 400) are
 * never touched, and an unknown path stays a 404.
 */
export const APP_PATHS = /^\/(?:integrations|coverage|evidence|alerts|assessments|audit)(?:\/[^.]*)?$/;

/** Where `npm run build` wrote the dashboard: dist/web beside the compiled API (or under the working folder). */
export function dashboardRoot(): string | undefined {
  return [join(__dirname, '..', '..', 'web'), join(process.cwd(), 'dist', 'web')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  );
}

/**
 * Serves the dashboard (web/, built to dist/web) at `/`, and its index.html for the app's paths
 * (`APP_PATHS`). Static files only: no CDN, no server rendering.
 */
@Module({})
export class DashboardModule {
  static forRoot(): DynamicModule {
    const rootPath = dashboardRoot();
    if (rootPath === undefined) {
      new Logger('Dashboard').warn(
        'dist/web not found: run `npm run build` to build the dashboard; / answers 404',
      );
      return { module: DashboardModule };
    }
    return {
      module: DashboardModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath,
          renderPath: APP_PATHS,
          serveStaticOptions: { index: 'index.html', fallthrough: true },
        }),
      ],
    };
  }
}
