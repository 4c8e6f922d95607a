import { Inject, Injectable } from '@nestjs/common';
import { Logger, type Params, PARAMS_PROVIDER_TOKEN, PinoLogger } from 'nestjs-pino';

/** Contexts whose info lines describe Nest's wiring (one per module, one per route): debug, not info. */
const WIRING_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Whether an info line is boot wiring: a module initialized or a route mapped (GraphQL's included). */
export function isWiringLine(message: unknown, context: unknown): boolean {
  if (typeof context !== 'string') return false;
  if (WIRING_CONTEXTS.has(context)) return true;
  return context === 'GraphQLModule' && typeof message === 'string' && message.startsWith('Mapped {');
}

/**
 * The application's Nest logger: pino (JSON, or pretty in development), with Nest's per-module and
 * per-route boot lines demoted to debug, so that `LOG_LEVEL=info` shows what an operator acts on.
 */
@Injectable()
export class AppLogger extends Logger {
  constructor(logger: PinoLogger, @Inject(PARAMS_PROVIDER_TOKEN) params: Params) {
    super(logger, params);
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    if (isWiringLine(message, optionalParams[optionalParams.length - 1])) {
      this.debug(message, ...optionalParams);
      return;
    }
    super.log(message, ...optionalParams);
  }
}
