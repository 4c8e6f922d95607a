import { Injectable, Logger } from '@nestjs/common';

/** Asks for a sync of a connection now (the sync module provides the real one). */
export const SYNC_REQUESTER = Symbol('SYNC_REQUESTER');
export interface SyncRequester {
  requestSync(connectionId: string, trigger: 'connect' | 'manual'): Promise<void>;
}

/** Told when a connection needs an admin's attention (the coverage module raises alerts from it). */
export const CONNECTION_ALERTS = Symbol('CONNECTION_ALERTS');
export interface ConnectionAlertSink {
  needsReauth(connectionId: string, reason: string): Promise<void>;
}

/** Defaults until the sync and alert modules provide theirs: they only log. */
@Injectable()
export class LoggingConnectionHooks implements SyncRequester, ConnectionAlertSink {
  private readonly logger = new Logger('ConnectionHooks');

  requestSync(connectionId: string, trigger: 'connect' | 'manual'): Promise<void> {
    this.logger.log(`sync requested for connection ${connectionId} (${trigger})`);
    return Promise.resolve();
  }

  needsReauth(connectionId: string, reason: string): Promise<void> {
    this.logger.warn(`connection ${connectionId} needs re-authorization: ${reason}`);
    return Promise.resolve();
  }
}
