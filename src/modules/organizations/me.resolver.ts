import { Field, ID, ObjectType, Query, registerEnumType, Resolver } from '@nestjs/graphql';
import { OrgContext } from '#src/common/tenancy/org-context';
import { ROLES, type Role } from '#src/common/tenancy/principal';
import { OrganizationsService } from './organizations.service';

export const RoleEnum = Object.fromEntries(ROLES.map((r) => [r, r])) as { [K in Role]: K };
registerEnumType(RoleEnum, { name: 'Role' });

@ObjectType('Organization')
export class OrganizationModel {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() createdAt: Date;
}

@ObjectType('Principal')
export class PrincipalModel {
  @Field(() => ID) userId: string;
  @Field(() => ID) organizationId: string;
  @Field(() => RoleEnum) role: Role;
  @Field(() => OrganizationModel) organization: OrganizationModel;
}

@Resolver(() => PrincipalModel)
export class MeResolver {
  constructor(private readonly organizations: OrganizationsService) {}

  @Query(() => PrincipalModel, { description: 'The caller, as proven by the access token' })
  async me(): Promise<PrincipalModel> {
    const principal = OrgContext.current().principal;
    if (principal === undefined) throw new Error('me: no principal in a request context');
    return { ...principal, organization: await this.organizations.current() };
  }
}
