import { type Server, STATUS_CODES } from 'node:http';
import { type Socket } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import helmet from 'helmet';
import { serveGraphiql } from './common/graphql/graphiql';
import { type AppConfig } from './config/app-config';

/** HTTP hardening shared by `main.ts` and the test harness. */
export function configureApp(app: INestApplication, config: AppConfig): INestApplication {
  const development = config.nodeEnv === 'development';
  app.use(
    helmet({
      // The same policy everywhere (scripts and styles from the app itself); GraphiQL, served in development,
      // is bundled too. Development over plain http://localhost is not upgraded to https.
      contentSecurityPolicy: development ? { directives: { upgradeInsecureRequests: null } } : undefined,
      crossOriginEmbedderPolicy: false,
    }),
  );
  if (development) serveGraphiql(app);
  answerUnparsableRequests(app.getHttpServer() as Server);
  return app;
}

/**
 * Node answers a request it cannot parse (headers over 16 kB, malformed HTTP) itself, with an empty body.
 * Answer it with the same status in the API's error shape instead.
 */
function answerUnparsableRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, duplex) => {
    const socket = duplex as Socket;
    if (error.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? 413
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? 408
            : 400;
    const reason = STATUS_CODES[status] ?? 'Bad Request';
    const body = JSON.stringify({ errors: [{ message: reason, extensions: { code: 'BAD_REQUEST' } }] });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
