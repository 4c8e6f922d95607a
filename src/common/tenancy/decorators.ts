import { SetMetadata } from '@nestjs/common';
import { type Role } from './principal';

export const IS_PUBLIC = 'tenancy:isPublic';
export const REQUIRED_ROLES = 'tenancy:roles';

/** Opts a route out of authentication. Only health and the OAuth callback use it. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Restricts an operation to the given roles (checked after authentication). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);
