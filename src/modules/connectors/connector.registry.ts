import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain.error';
import { CONNECTOR_DRIVERS, type ConnectorDriver } from './connector-driver.port';
import { type ConnectorDefinition, type EvidenceSubject } from './connector-definition';

/** The installed drivers by connector key, and the catalog they make. Knows nothing of any one vendor. */
@Injectable()
export class ConnectorRegistry {
  private readonly drivers: ReadonlyMap<string, ConnectorDriver>;

  constructor(@Inject(CONNECTOR_DRIVERS) drivers: readonly ConnectorDriver[]) {
    const byKey = new Map<string, ConnectorDriver>();
    for (const driver of drivers) {
      const key = driver.definition.key;
      if (byKey.has(key)) throw new Error(`Two connectors are registered under the key ${key}`);
      byKey.set(key, driver);
    }
    this.drivers = byKey;
  }

  all(): ConnectorDefinition[] {
    return [...this.drivers.values()].map((d) => d.definition);
  }

  find(key: string): ConnectorDefinition | undefined {
    return this.drivers.get(key)?.definition;
  }

  /** A stored connection's connector: always installed (a missing one is a deployment error). */
  get(key: string): ConnectorDefinition {
    return this.driver(key).definition;
  }

  driver(key: string): ConnectorDriver {
    const driver = this.drivers.get(key);
    if (driver === undefined) throw new Error(`Unknown connector ${key}`);
    return driver;
  }

  /** A connector a caller named: NOT_FOUND when it is not installed. */
  requested(key: string): ConnectorDriver {
    const driver = this.drivers.get(key);
    if (driver === undefined) throw DomainError.notFound('Integration');
    return driver;
  }

  /** Every installed evidence type that describes `subject`. */
  typesOf(subject: EvidenceSubject): string[] {
    return this.all().flatMap((d) => d.evidence.filter((e) => e.subject === subject).map((e) => e.type));
  }
}
