import { Injectable } from '@nestjs/common';
import { RetainedEvidenceRepository } from './retained-evidence.repository';

/**
 * What the retention job may ask of the evidence module besides purging (`EvidenceService.purgeUnattached`):
 * which runs a connection's remaining evidence rows were collected by. The evidence model stays here.
 */
@Injectable()
export class EvidenceRetentionService {
  constructor(private readonly retained: RetainedEvidenceRepository) {}

  /** The distinct `runId`s of the connection's evidence rows that still exist (attached or locked ones). */
  retainedRunIds(connectionId: string): Promise<string[]> {
    return this.retained.runIdsOf(connectionId);
  }
}
