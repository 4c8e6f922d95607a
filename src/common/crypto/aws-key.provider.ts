import {
  DecryptCommand,
  DescribeKeyCommand,
  GenerateDataKeyCommand,
  KMSClient,
  KMSServiceException,
} from '@aws-sdk/client-kms';
import { DomainError } from '#src/common/errors/domain.error';
import { type DataKey, type KeyProvider, SecretIntegrityError } from './key-provider';

export interface AwsKeyProviderOptions {
  readonly keyId: string;
  readonly region: string;
  /** Any KMS-API endpoint (`AWS_ENDPOINT_URL_KMS`); unset means AWS itself. */
  readonly endpoint?: string;
  readonly requestTimeoutMs?: number;
}

/** Errors that mean "the ciphertext or its context is wrong", as opposed to "KMS is not reachable". */
const INTEGRITY_ERRORS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/** AWS KMS (or any KMS-API server): `GenerateDataKey`/`Decrypt` with encryption context `{organizationId}`. */
export class AwsKeyProvider implements KeyProvider {
  readonly name = 'aws';
  private readonly client: KMSClient;

  constructor(private readonly options: AwsKeyProviderOptions) {
    const timeout = options.requestTimeoutMs ?? 5000;
    this.client = new KMSClient({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: timeout, requestTimeout: timeout },
    });
  }

  async generateDataKey(organizationId: string): Promise<DataKey> {
    const out = await this.call(() =>
      this.client.send(
        new GenerateDataKeyCommand({
          KeyId: this.options.keyId,
          KeySpec: 'AES_256',
          EncryptionContext: { organizationId },
        }),
      ),
    );
    if (out.Plaintext === undefined || out.CiphertextBlob === undefined) {
      throw new DomainError(
        'CONNECTOR_UNAVAILABLE',
        'The key management service returned an incomplete data key',
      );
    }
    return { plaintext: Buffer.from(out.Plaintext), ciphertext: Buffer.from(out.CiphertextBlob) };
  }

  async decryptDataKey(organizationId: string, ciphertext: Buffer): Promise<Buffer> {
    const out = await this.call(() =>
      this.client.send(
        new DecryptCommand({
          KeyId: this.options.keyId,
          CiphertextBlob: ciphertext,
          EncryptionContext: { organizationId },
        }),
      ),
    );
    if (out.Plaintext === undefined) throw new SecretIntegrityError('the organization data key');
    return Buffer.from(out.Plaintext);
  }

  async check(): Promise<void> {
    await this.call(() => this.client.send(new DescribeKeyCommand({ KeyId: this.options.keyId })));
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof KMSServiceException && INTEGRITY_ERRORS.has(error.name)) {
        throw new SecretIntegrityError('the organization data key', { cause: error });
      }
      // Unreachable endpoint, timeout, throttling, disabled key, access denied: the service cannot help now.
      const reason = error instanceof KMSServiceException ? error.name : 'unreachable';
      throw new DomainError(
        'CONNECTOR_UNAVAILABLE',
        `The key management service is unavailable (${reason})`,
        undefined,
        {
          cause: error,
        },
      );
    }
  }
}
