import { Global, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { DomainExceptionFilter } from '#src/common/errors/domain-exception.filter';
import { AuthGuard } from './auth.guard';
import { RolesGuard } from './roles.guard';
import { TenantContextInterceptor } from './tenant-context.interceptor';
import { TokenService } from './token.service';

/**
 * Authentication and tenancy for the whole application: deny-by-default auth guard, role guard, the
 * tenant-context interceptor, the one exception filter and the global validation pipe.
 */
@Global()
@Module({
  providers: [
    TokenService,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_INTERCEPTOR, useClass: TenantContextInterceptor },
    { provide: APP_FILTER, useClass: DomainExceptionFilter },
    {
      provide: APP_PIPE,
      useFactory: () => new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    },
  ],
  exports: [TokenService],
})
export class TenancyModule {}
