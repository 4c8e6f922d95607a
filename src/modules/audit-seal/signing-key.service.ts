import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EnvelopeService } from '#src/common/crypto/envelope.service';
import { OrgContext } from '#src/common/tenancy/org-context';
import { SigningKeysRepository } from './signing-keys.repository';

const OPENED_TTL_MS = 10 * 60_000;

export interface PublicSigningKey {
  readonly algorithm: 'Ed25519';
  /** Raw 32-byte public key, base64url. */
  readonly publicKey: string;
  /** SHA-256 of the raw public key, hex: what an auditor pins. */
  readonly fingerprint: string;
  readonly createdAt: Date;
}

/**
 * The organization's Ed25519 signing key (for audit checkpoints and, later, bundle manifests), generated on
 * first use; its private half is sealed under the organization's data key and opened only to sign.
 */
@Injectable()
export class SigningKeyService {
  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly envelope: EnvelopeService,
  ) {}

  async publicKey(): Promise<PublicSigningKey> {
    const { algorithm, publicKey, fingerprint, createdAt } = await this.stored();
    return { algorithm, publicKey, fingerprint, createdAt };
  }

  /**
   * Signs `payload` (UTF-8) with the organization's key; the signature is base64url. The opened key is kept
   * in memory for a few minutes, so signing does not call the key service each time.
   */
  async sign(payload: string): Promise<{ signature: string; fingerprint: string }> {
    const organizationId = OrgContext.organizationId();
    let opened = this.opened.get(organizationId);
    if (opened === undefined || opened.until < Date.now()) {
      const key = await this.stored();
      const pem = await this.envelope.open(recordId(), key.sealedPrivateKey);
      opened = {
        key: createPrivateKey(pem),
        fingerprint: key.fingerprint,
        until: Date.now() + OPENED_TTL_MS,
      };
      this.opened.set(organizationId, opened);
    }
    const signature = sign(null, Buffer.from(payload, 'utf8'), opened.key).toString('base64url');
    return { signature, fingerprint: opened.fingerprint };
  }

  private readonly opened = new Map<string, { key: KeyObject; fingerprint: string; until: number }>();

  private async stored() {
    const existing = await this.keys.find();
    if (existing !== undefined) return existing;
    const pair = generateKeyPairSync('ed25519');
    const raw = publicKeyBytes(pair.publicKey.export({ format: 'jwk' }).x ?? '');
    const candidate = {
      algorithm: 'Ed25519' as const,
      publicKey: raw.toString('base64url'),
      fingerprint: createHash('sha256').update(raw).digest('hex'),
      sealedPrivateKey: await this.envelope.seal(
        recordId(),
        pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      ),
      createdAt: new Date(),
    };
    if (await this.keys.insertFirst(candidate)) return candidate;
    const winner = await this.keys.find();
    if (winner === undefined) throw new Error('The signing key vanished while being created');
    return winner;
  }
}

/** Verifies an Ed25519 signature (base64url) over `payload` with a raw public key (base64url). */
export function verifySignature(payload: string, signature: string, publicKey: string): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
    return verify(null, Buffer.from(payload, 'utf8'), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

function recordId(): string {
  return `signing-key:${OrgContext.organizationId()}`;
}

function publicKeyBytes(x: string): Buffer {
  const raw = Buffer.from(x, 'base64url');
  if (raw.length !== 32) throw new Error('Unexpected Ed25519 public key length');
  return raw;
}
