import { Injectable } from '@nestjs/common';
import { ClaimsRepository } from './claims.repository';

/**
 * Exactly-once state transitions on every server we run on: `claim('attempt-used:<id>')` is true for
 * exactly one caller, ever. A conditional `updateOne` ("set usedAt where it is null") is not atomic on
 * FerretDB 1.x (docs/adr/0004); a unique-index insert is. Call `claim` before the transition it guards;
 * the guarded write itself may then be a plain update.
 */
@Injectable()
export class OnceClaims {
  constructor(private readonly claims: ClaimsRepository) {}

  /** True for the one caller that claims `key` first in the organization in context; false for all others. */
  claim(key: string): Promise<boolean> {
    return this.claims.insert(key, new Date());
  }
}
