import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  attachOrStartEmbeddedMongo,
  EmbeddedMongoInProductionError,
  startEmbeddedMongo,
} from './embedded-mongo';

describe('the embedded MongoDB in production', () => {
  const saved = process.env.NODE_ENV;
  let dataDir: string;

  beforeEach(() => {
    process.env.NODE_ENV = 'production';
    dataDir = mkdtempSync(join(tmpdir(), 'embedded-mongo-spec-'));
  });

  afterEach(() => {
    process.env.NODE_ENV = saved;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['startEmbeddedMongo', startEmbeddedMongo],
    ['attachOrStartEmbeddedMongo', attachOrStartEmbeddedMongo],
  ])('%s refuses, naming MONGO_URL, before making its data folder', async (_name, start) => {
    await expect(start(dataDir)).rejects.toThrow(EmbeddedMongoInProductionError);
    await expect(start(dataDir)).rejects.toThrow(/^MONGO_URL: required when NODE_ENV=production/);
    expect(existsSync(join(dataDir, 'mongo'))).toBe(false);
  });
});
