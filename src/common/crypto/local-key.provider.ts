import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DataKey, type KeyProvider, SecretIntegrityError } from './key-provider';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Development-only key provider: data keys wrapped with AES-256-GCM under a master key kept in a file
 * (created with mode 0600). The encryption context is the AAD, mirroring KMS semantics.
 */
export class LocalKeyProvider implements KeyProvider {
  readonly name = 'local';
  private readonly masterKey: Buffer;

  constructor(masterKeyFile: string) {
    this.masterKey = loadOrCreateMasterKey(masterKeyFile);
  }

  generateDataKey(organizationId: string): Promise<DataKey> {
    const plaintext = randomBytes(32);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(context(organizationId));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const ciphertext = Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
    return Promise.resolve({ plaintext, ciphertext });
  }

  decryptDataKey(organizationId: string, ciphertext: Buffer): Promise<Buffer> {
    try {
      if (ciphertext[0] !== VERSION) throw new Error('unknown version');
      const iv = ciphertext.subarray(1, 1 + IV_BYTES);
      const tag = ciphertext.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', this.masterKey, iv);
      decipher.setAAD(context(organizationId));
      decipher.setAuthTag(tag);
      const body = ciphertext.subarray(1 + IV_BYTES + TAG_BYTES);
      return Promise.resolve(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch (error) {
      return Promise.reject(new SecretIntegrityError('the organization data key', { cause: error }));
    }
  }

  check(): Promise<void> {
    return Promise.resolve();
  }
}

function context(organizationId: string): Buffer {
  return Buffer.from(JSON.stringify({ organizationId }), 'utf8');
}

function loadOrCreateMasterKey(file: string): Buffer {
  try {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32)
      throw new Error(`Local master key file ${file} does not hold a 32-byte base64 key`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}
