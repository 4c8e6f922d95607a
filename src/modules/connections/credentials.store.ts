import { Injectable } from '@nestjs/common';
import { EnvelopeService } from '#src/common/crypto/envelope.service';
import { type ConnectionCredentials } from './connection.types';
import { CredentialsRepository } from './credentials.repository';

/** The one way to read or write a connection's secrets: sealed under the organization's data key. */
@Injectable()
export class ConnectionCredentialsStore {
  constructor(
    private readonly repository: CredentialsRepository,
    private readonly envelope: EnvelopeService,
  ) {}

  async write(connectionId: string, credentials: ConnectionCredentials): Promise<void> {
    await this.repository.put(connectionId, await this.seal(connectionId, credentials));
  }

  /** Stores a value from `seal` (sealing first lets a caller fail before writing anything else). */
  writeSealed(connectionId: string, sealed: string): Promise<void> {
    return this.repository.put(connectionId, sealed);
  }

  seal(connectionId: string, credentials: ConnectionCredentials): Promise<string> {
    return this.envelope.seal(recordId(connectionId), JSON.stringify(credentials));
  }

  async read(connectionId: string): Promise<ConnectionCredentials | undefined> {
    const sealed = await this.repository.get(connectionId);
    if (sealed === undefined) return undefined;
    return JSON.parse(await this.envelope.open(recordId(connectionId), sealed)) as ConnectionCredentials;
  }

  remove(connectionId: string): Promise<void> {
    return this.repository.remove(connectionId);
  }
}

function recordId(connectionId: string): string {
  return `connection-credentials:${connectionId}`;
}
