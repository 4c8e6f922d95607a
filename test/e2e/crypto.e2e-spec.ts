import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mongo, Types } from 'mongoose';
import { AwsKeyProvider } from '#src/common/crypto/aws-key.provider';
import { EnvelopeService } from '#src/common/crypto/envelope.service';
import { KEY_PROVIDER, type KeyProvider, SecretIntegrityError } from '#src/common/crypto/key-provider';
import { LocalKeyProvider } from '#src/common/crypto/local-key.provider';
import { DomainError } from '#src/common/errors/domain.error';
import { OrganizationsSystemRepository } from '#src/modules/organizations/organizations-system.repository';
import { TestApp, type TestOrg } from '../support/test-app';
import { awsKmsConfigured } from '../support/test-config';

const SECRET = 'okta-client-secret-Zx9!q7-plaintext-marker';

function providers(): [string, () => KeyProvider][] {
  const list: [string, () => KeyProvider][] = [
    ['local', () => new LocalKeyProvider(join(mkdtempSync(join(tmpdir(), 'kms-')), 'master.key'))],
  ];
  if (awsKmsConfigured()) {
    list.push([
      'aws (local KMS-API server)',
      () =>
        new AwsKeyProvider({
          keyId: process.env.KMS_KEY_ID ?? '',
          region: process.env.AWS_REGION ?? 'eu-west-1',
          endpoint: process.env.AWS_ENDPOINT_URL_KMS ?? '',
        }),
    ]);
  } else {
    console.warn(
      'AWS_ENDPOINT_URL_KMS/KMS_KEY_ID not set: the aws key provider is exercised only in CI (.ci/run).',
    );
  }
  return list;
}

describe.each(providers())('key provider: %s', (_name, make) => {
  const orgA = new Types.ObjectId().toHexString();
  const orgB = new Types.ObjectId().toHexString();

  it('generates a 256-bit data key and unwraps it for the same organization', async () => {
    const provider = make();
    const key = await provider.generateDataKey(orgA);
    expect(key.plaintext).toHaveLength(32);
    expect(key.ciphertext.includes(key.plaintext)).toBe(false);
    await expect(provider.decryptDataKey(orgA, key.ciphertext)).resolves.toEqual(key.plaintext);
  });

  it("refuses to unwrap an organization's data key under another organization's context", async () => {
    const provider = make();
    const key = await provider.generateDataKey(orgA);
    await expect(provider.decryptDataKey(orgB, key.ciphertext)).rejects.toBeInstanceOf(SecretIntegrityError);
  });

  it('refuses a wrapped key with a flipped bit', async () => {
    const provider = make();
    const key = await provider.generateDataKey(orgA);
    const tampered = Buffer.from(key.ciphertext);
    const last = tampered.length - 1;
    tampered[last] = (tampered[last] ?? 0) ^ 0x01;
    await expect(provider.decryptDataKey(orgA, tampered)).rejects.toBeInstanceOf(SecretIntegrityError);
  });
});

describe('local key provider master key', () => {
  it('creates the master key file with mode 0600 and reuses it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kms-')), 'nested', 'master.key');
    const first = new LocalKeyProvider(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = await first.generateDataKey('65a1b2c3d4e5f60718293a4b');
    await expect(
      new LocalKeyProvider(file).decryptDataKey('65a1b2c3d4e5f60718293a4b', key.ciphertext),
    ).resolves.toEqual(key.plaintext);
  });
});

describe('unreachable KMS', () => {
  it('fails with CONNECTOR_UNAVAILABLE rather than crashing', async () => {
    const provider = new AwsKeyProvider({
      keyId: 'alias/none',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
      requestTimeoutMs: 1000,
    });
    const error: unknown = await provider
      .generateDataKey(new Types.ObjectId().toHexString())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('CONNECTOR_UNAVAILABLE');
    expect((error as DomainError).message).toMatch(/key management service is unavailable/);
    await expect(provider.check()).rejects.toBeInstanceOf(DomainError);
  });

  it('makes /health/ready report the key provider down (503) and organization creation fail with CONNECTOR_UNAVAILABLE', async () => {
    const t = await TestApp.start({
      KMS_PROVIDER: 'aws',
      KMS_KEY_ID: 'alias/none',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9',
    });
    try {
      const ready = await t.http().get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({ status: 'error', error: { keyProvider: { status: 'down' } } });
      await expect(t.createOrg('No Keys')).rejects.toMatchObject({ code: 'CONNECTOR_UNAVAILABLE' });
    } finally {
      await t.close();
    }
  });
});

describe('envelope encryption in the application (e2e)', () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;
  let envelope: EnvelopeService;

  beforeAll(async () => {
    t = await TestApp.start();
    a = await t.createOrg('Org A');
    b = await t.createOrg('Org B');
    envelope = t.get<EnvelopeService>(EnvelopeService);
  });
  afterAll(() => t.close());

  it('round-trips a secret for the organization and record it was sealed for', async () => {
    const sealed = await t.asOrg(a.organizationId, () => envelope.seal('record-1', SECRET));
    expect(sealed).not.toContain(SECRET);
    expect(sealed.startsWith('v1.')).toBe(true);
    await expect(t.asOrg(a.organizationId, () => envelope.open('record-1', sealed))).resolves.toBe(SECRET);
  });

  it('does not open under another organization, another record, or with a flipped bit', async () => {
    const sealed = await t.asOrg(a.organizationId, () => envelope.seal('record-1', SECRET));
    await expect(t.asOrg(b.organizationId, () => envelope.open('record-1', sealed))).rejects.toBeInstanceOf(
      SecretIntegrityError,
    );
    await expect(t.asOrg(a.organizationId, () => envelope.open('record-2', sealed))).rejects.toBeInstanceOf(
      SecretIntegrityError,
    );
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 0x80;
    const flipped = [parts[0], parts[1], parts[2], body.toString('base64url')].join('.');
    await expect(t.asOrg(a.organizationId, () => envelope.open('record-1', flipped))).rejects.toBeInstanceOf(
      SecretIntegrityError,
    );
    await expect(
      t.asOrg(a.organizationId, () => envelope.open('record-1', 'garbage')),
    ).rejects.toBeInstanceOf(SecretIntegrityError);
  });

  it('leaves no plaintext secret or data key anywhere in the database', async () => {
    const sealed = await t.asOrg(a.organizationId, () => envelope.seal('record-9', SECRET));
    const db = t.connection.db;
    if (db === undefined) throw new Error('no database');
    await db
      .collection('scratch_secrets')
      .insertOne({ organizationId: new Types.ObjectId(a.organizationId), sealed });

    const provider = t.get<KeyProvider>(KEY_PROVIDER);
    const wrapped = await t
      .get<OrganizationsSystemRepository>(OrganizationsSystemRepository)
      .wrappedDataKey(a.organizationId);
    const dataKey = await provider.decryptDataKey(a.organizationId, wrapped ?? Buffer.alloc(0));
    const needles = [
      Buffer.from(SECRET),
      dataKey,
      Buffer.from(dataKey.toString('base64')),
      Buffer.from(dataKey.toString('hex')),
    ];

    let scanned = 0;
    for (const { name } of await db.listCollections().toArray()) {
      for await (const doc of db.collection(name).find({})) {
        const raw = Buffer.from(mongo.BSON.serialize(doc));
        for (const needle of needles) expect(raw.includes(needle)).toBe(false);
        scanned++;
      }
    }
    expect(scanned).toBeGreaterThan(3);
  });
});
