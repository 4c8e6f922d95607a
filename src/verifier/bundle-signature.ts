import { createHash, createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from '#src/common/util/canonical-json';
import { isHex64, isObject, type JsonObject } from './json-shape';

/** A key given by the person verifying: the raw Ed25519 public key, or the SHA-256 fingerprint of one. */
export type PinnedKey =
  | { readonly kind: 'publicKey'; readonly raw: Buffer; readonly fingerprint: string }
  | { readonly kind: 'fingerprint'; readonly fingerprint: string };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Decodes unpadded base64url, refusing anything that does not re-encode to the same text. */
export function fromBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

export function keyFingerprint(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

/** Reads `--public-key`: 64 hex characters are a fingerprint, else base64url of 32 bytes; `undefined` if neither. */
export function parsePinnedKey(text: string): PinnedKey | undefined {
  if (isHex64(text.toLowerCase())) return { kind: 'fingerprint', fingerprint: text.toLowerCase() };
  const raw = fromBase64url(text);
  if (raw === undefined || raw.length !== 32) return undefined;
  return { kind: 'publicKey', raw, fingerprint: keyFingerprint(raw) };
}

export interface SignatureCheck {
  /** The fingerprint of the key the manifest names, when it names one that decodes. */
  readonly fingerprint?: string;
  readonly problems: readonly string[];
}

/**
 * Checks `manifest.signature`: an Ed25519 signature over JCS(manifest without "signature"), by the key the
 * manifest names, whose fingerprint it states, and (when one is pinned) that key must be the pinned one.
 */
export function checkSignature(manifest: JsonObject, pinned: PinnedKey | undefined): SignatureCheck {
  const problems: string[] = [];
  const signature = manifest.signature;
  if (!isObject(signature)) return { problems: ['the manifest has no "signature" object'] };
  if (signature.algorithm !== 'Ed25519')
    problems.push(`signature.algorithm is ${JSON.stringify(signature.algorithm)}, not "Ed25519"`);
  const raw = typeof signature.publicKey === 'string' ? fromBase64url(signature.publicKey) : undefined;
  if (raw === undefined || raw.length !== 32) {
    problems.push('signature.publicKey is not a 32-byte key in unpadded base64url');
    return { problems };
  }
  const fingerprint = keyFingerprint(raw);
  if (signature.keyFingerprint !== fingerprint)
    problems.push(
      `signature.keyFingerprint ${JSON.stringify(signature.keyFingerprint)} is not the SHA-256 of ` +
        `signature.publicKey (${fingerprint})`,
    );
  if (pinned !== undefined && pinned.fingerprint !== fingerprint)
    problems.push(`the manifest is signed with key ${fingerprint}, not the pinned key ${pinned.fingerprint}`);

  const value = typeof signature.value === 'string' ? fromBase64url(signature.value) : undefined;
  if (value === undefined || value.length !== 64) {
    problems.push('signature.value is not a 64-byte signature in unpadded base64url');
    return { fingerprint, problems };
  }
  const { signature: _signature, ...signed } = manifest;
  let payload: Buffer;
  try {
    payload = Buffer.from(canonicalJson(signed), 'utf8');
  } catch (error) {
    problems.push(
      `the manifest cannot be canonicalized: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { fingerprint, problems };
  }
  // A pinned raw key is the one that must verify; a pinned fingerprint has already been matched to `raw`.
  const key = pinned?.kind === 'publicKey' ? pinned.raw : raw;
  let verified: boolean;
  try {
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') },
      format: 'jwk',
    });
    verified = verify(null, payload, publicKey, value);
  } catch (error) {
    problems.push(`the key cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    return { fingerprint, problems };
  }
  if (!verified)
    problems.push(
      pinned?.kind === 'publicKey'
        ? 'the signature does not verify with the pinned key'
        : 'the signature does not verify with signature.publicKey',
    );
  return { fingerprint, problems };
}
