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

  /**
   * A stored connection's connector. One whose registry line was removed reads as an uninstalled connector
   * with no evidence types, so its connections still list, go stale and can be revoked.
   */
  get(key: string): ConnectorDefinition {
    return this.drivers.get(key)?.definition ?? uninstalled(key);
  }

  /** A stored connection's driver; CONNECTOR_UNAVAILABLE when its connector is no longer installed. */
  driver(key: string): ConnectorDriver {
    const driver = this.drivers.get(key);
    if (driver === undefined)
      throw new DomainError('CONNECTOR_UNAVAILABLE', `The ${key} connector is not installed here`);
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

const HOUR_MS = 3_600_000;

function uninstalled(key: string): ConnectorDefinition {
  return {
    key,
    name: `${key} (not installed)`,
    category: 'Uninstalled',
    authMethod: '',
    syncCadence: 'PT1H',
    syncCadenceMs: HOUR_MS,
    staleThreshold: 'PT6H',
    staleThresholdMs: 6 * HOUR_MS,
    grantLifetimeMs: 0,
    evidence: [],
    controls: [],
    evidenceTypes: [],
    requiredScopes: [],
    optionalScopes: [],
    redirectUri: '',
    setupSteps: [],
    securityModel: [],
  };
}
