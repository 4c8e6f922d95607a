export const KEY_PROVIDER = Symbol('KEY_PROVIDER');

export interface DataKey {
  /** 32 bytes; lives only in memory. */
  readonly plaintext: Buffer;
  /** What is stored on the organization. */
  readonly ciphertext: Buffer;
}

/**
 * Wraps and unwraps per-organization data keys. The encryption context `{organizationId}` is bound into
 * every wrap, so a data key can be unwrapped only for the organization it was made for.
 */
export interface KeyProvider {
  readonly name: 'aws' | 'local';
  generateDataKey(organizationId: string): Promise<DataKey>;
  decryptDataKey(organizationId: string, ciphertext: Buffer): Promise<Buffer>;
  /** Readiness: throws when keys cannot be produced right now. */
  check(): Promise<void>;
}

/** Decryption failed: wrong organization, wrong record, tampered ciphertext or wrong key. Never retried. */
export class SecretIntegrityError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`Could not decrypt ${what}: wrong context or tampered ciphertext`, options);
    this.name = 'SecretIntegrityError';
  }
}
