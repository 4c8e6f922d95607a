import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { DomainError } from '#src/common/errors/domain.error';
import { isObjectIdHex, type Principal, ROLES, type Role } from './principal';

const ISSUER_CLOCK_TOLERANCE_S = 5;
/** How far in the future an `iat` may be (the issuer's clock running ahead of ours). */
const ISSUED_AT_SKEW_S = 60;

export interface VerifiedToken {
  readonly principal: Principal;
  /** The token's `exp`. */
  readonly expiresAt: Date;
}

/**
 * Verifies bearer tokens (HS256 with `AUTH_JWT_SECRET`, RS256 via `AUTH_JWKS_URL` with the configured `iss`
 * and `aud`) into a principal, and mints HS256 tokens for the CLI. A token may live at most
 * `AUTH_MAX_TOKEN_LIFETIME_S`. Every failure is the same `UNAUTHENTICATED`: the caller learns nothing about
 * why a token was refused.
 */
@Injectable()
export class TokenService {
  private readonly hmacKey: Uint8Array | undefined;
  private readonly jwks:
    { keys: ReturnType<typeof createRemoteJWKSet>; issuer: string; audience: string } | undefined;
  private readonly maxLifetimeS: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { jwtSecret, jwksUrl, jwtIssuer, jwtAudience, maxTokenLifetimeSeconds } = config.auth;
    this.hmacKey = jwtSecret === undefined ? undefined : new TextEncoder().encode(jwtSecret);
    if (jwksUrl !== undefined && (jwtIssuer === undefined || jwtAudience === undefined)) {
      throw new Error('AUTH_JWKS_URL needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE');
    }
    this.jwks =
      jwksUrl === undefined
        ? undefined
        : {
            keys: createRemoteJWKSet(new URL(jwksUrl)),
            issuer: jwtIssuer ?? '',
            audience: jwtAudience ?? '',
          };
    this.maxLifetimeS = maxTokenLifetimeSeconds;
  }

  async verify(token: string): Promise<Principal> {
    return (await this.verifyToken(token)).principal;
  }

  /** The principal and the instant the token stops being valid (graphql-ws closes the socket then). */
  async verifyToken(token: string): Promise<VerifiedToken> {
    const payload = await this.verifySignature(token);
    const { sub, org, role, exp, iat } = payload as JWTPayload & { org?: unknown; role?: unknown };
    if (typeof sub !== 'string' || sub === '' || sub.length > 200) throw unauthenticated();
    if (!isObjectIdHex(org)) throw unauthenticated();
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw unauthenticated();
    if (typeof exp !== 'number') throw unauthenticated();
    const now = Math.floor(Date.now() / 1000);
    if (iat !== undefined) {
      if (iat > now + ISSUED_AT_SKEW_S || exp - iat > this.maxLifetimeS) throw unauthenticated();
    } else if (exp - now > this.maxLifetimeS) {
      throw unauthenticated();
    }
    return {
      principal: { userId: sub, organizationId: org, role: role as Role },
      expiresAt: new Date(exp * 1000),
    };
  }

  async issue(principal: Principal, ttlSeconds: number): Promise<string> {
    if (this.hmacKey === undefined) {
      throw new Error(
        'Cannot mint tokens without AUTH_JWT_SECRET (tokens from AUTH_JWKS_URL are issued elsewhere)',
      );
    }
    if (ttlSeconds > this.maxLifetimeS) {
      throw new Error(`A token may live at most ${this.maxLifetimeS} s (AUTH_MAX_TOKEN_LIFETIME_S)`);
    }
    return new SignJWT({ org: principal.organizationId, role: principal.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(principal.userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.hmacKey);
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    const header = decodeHeaderAlg(token);
    try {
      if (header === 'HS256' && this.hmacKey !== undefined) {
        return (
          await jwtVerify(token, this.hmacKey, {
            algorithms: ['HS256'],
            requiredClaims: ['exp', 'sub'],
            clockTolerance: ISSUER_CLOCK_TOLERANCE_S,
          })
        ).payload;
      }
      if (header === 'RS256' && this.jwks !== undefined) {
        return (
          await jwtVerify(token, this.jwks.keys, {
            algorithms: ['RS256'],
            issuer: this.jwks.issuer,
            audience: this.jwks.audience,
            requiredClaims: ['exp', 'sub'],
            clockTolerance: ISSUER_CLOCK_TOLERANCE_S,
          })
        ).payload;
      }
    } catch (error) {
      throw unauthenticated(error);
    }
    throw unauthenticated();
  }
}

function decodeHeaderAlg(token: string): string | undefined {
  const [encoded] = token.split('.', 1);
  if (encoded === undefined || encoded === '') return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && 'alg' in header && typeof header.alg === 'string'
      ? header.alg
      : undefined;
  } catch {
    return undefined;
  }
}

function unauthenticated(cause?: unknown): DomainError {
  return new DomainError('UNAUTHENTICATED', 'Missing, invalid or expired access token', undefined, { cause });
}
