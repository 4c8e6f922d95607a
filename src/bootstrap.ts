import { type INestApplication } from '@nestjs/common';
import helmet from 'helmet';
import { type AppConfig } from './config/app-config';

/** HTTP hardening shared by `main.ts` and the test harness. */
export function configureApp(app: INestApplication, config: AppConfig): INestApplication {
  app.use(
    helmet({
      // GraphiQL (development only) loads its UI from a CDN.
      contentSecurityPolicy: config.nodeEnv === 'development' ? false : undefined,
      crossOriginEmbedderPolicy: false,
    }),
  );
  return app;
}
