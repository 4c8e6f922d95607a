import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { type ConnectorDefinition } from './connector-definition';
import { oktaDefinition } from './okta/okta.definition';

/** The integration catalog. Adding a connector: a folder with its definition and driver, and one line here. */
@Injectable()
export class ConnectorRegistry {
  private readonly definitions: ReadonlyMap<string, ConnectorDefinition>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.definitions = new Map([oktaDefinition(config.publicUrl)].map((d) => [d.key, d]));
  }

  all(): ConnectorDefinition[] {
    return [...this.definitions.values()];
  }

  find(key: string): ConnectorDefinition | undefined {
    return this.definitions.get(key);
  }

  get(key: string): ConnectorDefinition {
    const definition = this.definitions.get(key);
    if (definition === undefined) throw new Error(`Unknown connector ${key}`);
    return definition;
  }
}
