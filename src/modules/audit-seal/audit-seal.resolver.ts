import { Field, Int, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { type AuditCheckpoint } from './audit-checkpoints.repository';
import { Roles } from '#src/common/tenancy/decorators';
import { AuditChainVerificationModel } from '#src/modules/audit/audit.model';
import { OrganizationModel } from '#src/modules/organizations/organization.resolver';
import { AuditSealService, type SealedChainVerification } from './audit-seal.service';
import { type PublicSigningKey, SigningKeyService } from './signing-key.service';

@ObjectType('SigningKey')
export class SigningKeyModel {
  @Field({ description: 'Ed25519' }) algorithm: string;
  @Field({ description: 'The raw 32-byte public key, base64url (a JWK "x")' }) publicKey: string;
  @Field({ description: 'SHA-256 of the raw public key, hex: pin it once' }) fingerprint: string;
  @Field() createdAt: Date;
}

@ObjectType('AuditCheckpoint')
export class AuditCheckpointModel {
  @Field(() => Int) seq: number;
  @Field({ description: 'The hash of entry `seq`' }) hash: string;
  @Field() at: Date;
  @Field({ description: 'Ed25519 over the checkpoint payload (docs/EVIDENCE_FORMAT.md), base64url' })
  signature: string;
  @Field({ description: 'The fingerprint of the key that signed it' }) keyFingerprint: string;
}

@Resolver(() => OrganizationModel)
export class AuditSealResolver {
  constructor(
    private readonly seal: AuditSealService,
    private readonly keys: SigningKeyService,
  ) {}

  @Query(() => AuditChainVerificationModel, {
    description:
      "Recomputes the organization's audit hash chain and checks its tail against the last signed checkpoint (ADMIN, AUDITOR)",
  })
  @Roles('ADMIN', 'AUDITOR')
  verifyAuditChain(): Promise<SealedChainVerification> {
    return this.seal.verify();
  }

  @Query(() => AuditCheckpointModel, {
    nullable: true,
    description: "The audit chain's latest signed checkpoint (ADMIN, AUDITOR); null before the first",
  })
  @Roles('ADMIN', 'AUDITOR')
  auditCheckpoint(): Promise<AuditCheckpoint | undefined> {
    return this.seal.latestCheckpoint();
  }

  @ResolveField(() => SigningKeyModel, {
    nullable: true,
    description:
      "The organization's public signing key (audit checkpoints); created on first use (null, with an error, while the key service is unavailable)",
  })
  signingKey(@Parent() _organization: OrganizationModel): Promise<PublicSigningKey> {
    return this.keys.publicKey();
  }
}
