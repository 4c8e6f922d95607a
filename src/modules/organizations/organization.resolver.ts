import {
  Args,
  Field,
  ID,
  InputType,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
} from '@nestjs/graphql';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Roles } from '#src/common/tenancy/decorators';
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

@InputType()
export class RenameOrganizationInput {
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;
}

@Resolver(() => PrincipalModel)
export class OrganizationResolver {
  constructor(private readonly organizations: OrganizationsService) {}

  @Query(() => PrincipalModel, { description: 'The caller, as proven by the access token' })
  async me(): Promise<PrincipalModel> {
    const principal = OrgContext.current().principal;
    if (principal === undefined) throw new Error('me: no principal in a request context');
    return { ...principal, organization: await this.organizations.current() };
  }

  @Mutation(() => OrganizationModel, { description: "Renames the caller's organization (ADMIN)" })
  @Roles('ADMIN')
  renameOrganization(@Args('input') input: RenameOrganizationInput): Promise<OrganizationModel> {
    return this.organizations.rename(input.name);
  }
}
