import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mongoose';

export interface EmbeddedMongo {
  readonly uri: string;
  stop(): Promise<void>;
}

export class EmbeddedMongoUnavailableError extends Error {
  constructor(reason: string) {
    super(
      [
        'Could not start the embedded MongoDB (mongodb-memory-server could not download or run mongod):',
        `  ${reason}`,
        'Set MONGO_URL to a MongoDB-compatible server instead, for example:',
        '  MONGO_URL=mongodb://127.0.0.1:27017 npm start',
      ].join('\n'),
    );
    this.name = 'EmbeddedMongoUnavailableError';
  }
}

/** Refused in production, whatever the caller: production names its database (`MONGO_URL`). */
export class EmbeddedMongoInProductionError extends Error {
  constructor() {
    super('MONGO_URL: required when NODE_ENV=production (no embedded database is started in production)');
    this.name = 'EmbeddedMongoInProductionError';
  }
}

/**
 * Starts mongodb-memory-server with its data kept in `<dataDir>/mongo`, and advertises its URL. Never in
 * production: the configuration already requires `MONGO_URL` there, and this refuses before anything is
 * downloaded or started should a caller get that wrong.
 */
export async function startEmbeddedMongo(dataDir: string): Promise<EmbeddedMongo> {
  if (process.env.NODE_ENV === 'production') throw new EmbeddedMongoInProductionError();
  const dbPath = join(dataDir, 'mongo');
  mkdirSync(dbPath, { recursive: true, mode: 0o700 });
  let server: import('mongodb-memory-server').MongoMemoryServer;
  // mongodb-memory-server prints its own multi-line dump on failure; ours is the one clear message.
  const { warn, error: logError } = console;
  console.warn = () => undefined;
  console.error = () => undefined;
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server');
    server = await MongoMemoryServer.create({
      instance: { dbPath, storageEngine: 'wiredTiger', ip: '127.0.0.1' },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/\s+/g, ' ').slice(0, 300) : String(error);
    throw new EmbeddedMongoUnavailableError(reason);
  } finally {
    console.warn = warn;
    console.error = logError;
  }
  const uri = server.getUri();
  const marker = join(dataDir, 'mongo.url');
  writeFileSync(marker, `${uri}\n`, { mode: 0o600 });
  return {
    uri,
    stop: async () => {
      rmSync(marker, { force: true });
      await server.stop({ doCleanup: false });
    },
  };
}

/**
 * For short-lived tools (the CLI): reuse the embedded server a running `npm start` advertises, or start one.
 */
export async function attachOrStartEmbeddedMongo(dataDir: string): Promise<EmbeddedMongo> {
  if (process.env.NODE_ENV === 'production') throw new EmbeddedMongoInProductionError();
  try {
    const uri = readFileSync(join(dataDir, 'mongo.url'), 'utf8').trim();
    const connection = await createConnection(uri, { serverSelectionTimeoutMS: 1500 }).asPromise();
    await connection.close();
    return { uri, stop: () => Promise.resolve() };
  } catch {
    return startEmbeddedMongo(dataDir);
  }
}
