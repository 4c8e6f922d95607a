import { Injectable, Logger } from '@nestjs/common';

/** Asks for a sync of a connection now. */
export interface SyncRequester {
  requestSync(connectionId: string, trigger: 'connect' | 'manual'): Promise<void>;
}

/** Told when a connection needs an admin's attention. */
export interface ConnectionAlertSink {
  needsReauth(connectionId: string, reason: string): Promise<void>;
}

/**
 * Where the connections module reaches modules that depend on it (sync, alerts) without importing them:
 * they register themselves at start-up. Until then requests are only logged.
 */
@Injectable()
export class ConnectionHooks implements SyncRequester, ConnectionAlertSink {
  private readonly logger = new Logger('ConnectionHooks');
  private syncRequester: SyncRequester | undefined;
  private readonly alertSinks: ConnectionAlertSink[] = [];

  useSyncRequester(requester: SyncRequester): void {
    this.syncRequester = requester;
  }

  addAlertSink(sink: ConnectionAlertSink): void {
    this.alertSinks.push(sink);
  }

  async requestSync(connectionId: string, trigger: 'connect' | 'manual'): Promise<void> {
    if (this.syncRequester === undefined) {
      this.logger.log(
        `sync requested for connection ${connectionId} (${trigger}); no sync module registered`,
      );
      return;
    }
    await this.syncRequester.requestSync(connectionId, trigger);
  }

  async needsReauth(connectionId: string, reason: string): Promise<void> {
    this.logger.warn(`connection ${connectionId} needs re-authorization: ${reason}`);
    for (const sink of this.alertSinks) await sink.needsReauth(connectionId, reason);
  }
}
