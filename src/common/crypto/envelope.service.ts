import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { OrgContext } from '#src/common/tenancy/org-context';
import { DataKeyCache } from './data-key.cache';
import { KEY_PROVIDER, type KeyProvider, SecretIntegrityError } from './key-provider';

export const DATA_KEY_SOURCE = Symbol('DATA_KEY_SOURCE');

/** Where the wrapped data key of an organization is kept (the organizations module provides it). */
export interface DataKeySource {
  wrappedDataKey(organizationId: string): Promise<Buffer | undefined>;
}

/** A sealed secret: `v1.<iv>.<tag>.<ciphertext>`, base64url parts. Opaque to everyone but this service. */
export type SealedSecret = string & { readonly __sealed: unique symbol };

const PREFIX = 'v1';

/**
 * Envelope encryption of secrets for the organization in context: AES-256-GCM under the organization's
 * data key, with AAD binding the ciphertext to the organization and the record it belongs to, so a
 * sealed value copied to another record or organization does not open.
 */
@Injectable()
export class EnvelopeService implements OnModuleDestroy {
  private readonly cache: DataKeyCache;

  constructor(
    @Inject(KEY_PROVIDER) private readonly keys: KeyProvider,
    @Inject(DATA_KEY_SOURCE) private readonly source: DataKeySource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cache = new DataKeyCache(config.kms.dataKeyCacheTtlMs, config.kms.dataKeyCacheSize);
  }

  async seal(recordId: string, plaintext: string): Promise<SealedSecret> {
    const organizationId = OrgContext.organizationId();
    const key = await this.dataKey(organizationId);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(organizationId, recordId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [PREFIX, iv, cipher.getAuthTag(), body]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.') as SealedSecret;
  }

  async open(recordId: string, sealed: string): Promise<string> {
    const organizationId = OrgContext.organizationId();
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== PREFIX || iv === undefined || tag === undefined || body === undefined) {
      throw new SecretIntegrityError('a sealed secret (malformed)');
    }
    const key = await this.dataKey(organizationId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad(organizationId, recordId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch (error) {
      throw new SecretIntegrityError('a sealed secret', { cause: error });
    }
  }

  onModuleDestroy(): void {
    this.cache.clear();
  }

  private dataKey(organizationId: string): Promise<Buffer> {
    return this.cache.get(organizationId, async () => {
      const wrapped = await this.source.wrappedDataKey(organizationId);
      if (wrapped === undefined)
        throw new SecretIntegrityError('a secret (the organization has no data key)');
      return this.keys.decryptDataKey(organizationId, wrapped);
    });
  }
}

function aad(organizationId: string, recordId: string): Buffer {
  return Buffer.from(`okta-evidence/v1|org:${organizationId}|record:${recordId}`, 'utf8');
}
