import { type Connection } from 'mongoose';
import { Counter, type Registry } from 'prom-client';

/** Reply fields that say how many documents a command read or wrote. */
interface Reply {
  cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] };
  n?: number;
  nModified?: number;
}

const WRITES = new Set(['insert', 'update', 'delete']);

/**
 * What the application asks of the database, from the driver's command monitoring: commands by kind and
 * collection, and the documents they read and wrote. Counters only (no command text, no values), so
 * nothing of a tenant's data reaches the metrics.
 */
export class DbCommandMetrics {
  readonly commands: Counter<'command' | 'collection'>;
  readonly documents: Counter<'op' | 'collection'>;
  private readonly collections = new Map<number, string>();

  constructor(registry: Registry) {
    this.commands = new Counter({
      name: 'okta_evidence_db_commands_total',
      help: 'Database commands sent, by command and collection (driver command monitoring)',
      labelNames: ['command', 'collection'] as const,
      registers: [registry],
    });
    this.documents = new Counter({
      name: 'okta_evidence_db_documents_total',
      help: 'Documents the database returned (op="read") or reports written (op="written"), by collection',
      labelNames: ['op', 'collection'] as const,
      registers: [registry],
    });
  }

  /** The client must be created with `monitorCommands: true`. */
  observe(client: ReturnType<Connection['getClient']>): void {
    client.on('commandStarted', (event) => {
      const collection = collectionOf(event.commandName, event.command);
      this.collections.set(event.requestId, collection);
      this.commands.inc({ command: event.commandName, collection });
    });
    client.on('commandSucceeded', (event) => {
      const collection = this.collections.get(event.requestId) ?? '';
      this.collections.delete(event.requestId);
      const reply = event.reply as Reply;
      const read = reply.cursor?.firstBatch?.length ?? reply.cursor?.nextBatch?.length ?? 0;
      if (read > 0) this.documents.inc({ op: 'read', collection }, read);
      if (WRITES.has(event.commandName)) {
        const written = event.commandName === 'update' ? (reply.nModified ?? 0) : (reply.n ?? 0);
        if (written > 0) this.documents.inc({ op: 'written', collection }, written);
      }
    });
    client.on('commandFailed', (event) => this.collections.delete(event.requestId));
  }
}

/** `{ find: "evidence" }`, `{ getMore: <id>, collection: "evidence" }`; empty for database-wide commands. */
function collectionOf(name: string, command: Record<string, unknown>): string {
  const target = name === 'getMore' ? command.collection : command[name];
  return typeof target === 'string' ? target : '';
}
