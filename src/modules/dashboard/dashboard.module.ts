import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';

/** Every path the API itself answers: never the dashboard's index.html. */
export const API_PATHS = ['/graphql', '/api/{*path}', '/health/{*path}', '/metrics'];

/** Where `npm run build` wrote the dashboard: dist/web beside the compiled API (or under the working folder). */
export function dashboardRoot(): string | undefined {
  return [join(__dirname, '..', '..', 'web'), join(process.cwd(), 'dist', 'web')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  );
}

/**
 * Serves the dashboard (web/, built to dist/web) at `/`, and its index.html for every app path, so links to
 * `/integrations/okta` or `/coverage` load the app. Static files only: no CDN, no server rendering.
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
          exclude: API_PATHS,
          serveStaticOptions: { index: 'index.html', fallthrough: true },
        }),
      ],
    };
  }
}
