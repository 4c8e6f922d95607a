import { type ConnectorDefinition } from '#src/modules/connectors/connector-definition';
import { type AppConfig } from '#src/config/app-config';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { controlCatalog, evidenceLabels } from './controls.catalog';

// Okta's definition as the app reads it, through the registry (a connector's own folder is private).
const okta = new ConnectorRegistry({ publicUrl: 'https://app.example' } as AppConfig).get('okta');
const hr = {
  ...okta,
  key: 'acme-hr',
  evidence: [{ type: 'acme-hr.termination', label: 'HR termination', controls: ['CC6.2'] }],
} as ConnectorDefinition;

describe('controlCatalog (controls and their evidence, from the connector definitions)', () => {
  it("gives each control the evidence types Okta's definition maps to it", () => {
    expect(controlCatalog([okta]).map((c) => [c.id, c.evidenceTypes])).toEqual([
      ['CC6.1', ['okta.user_mfa', 'okta.password_policy']],
      ['CC6.2', ['okta.user_mfa', 'okta.deprovisioning_event']],
      ['CC6.3', ['okta.deprovisioning_event']],
    ]);
  });

  it('adds a second connector’s evidence to the controls it names, and drops controls nobody supports', () => {
    expect(controlCatalog([okta, hr]).find((c) => c.id === 'CC6.2')?.evidenceTypes).toEqual([
      'okta.user_mfa',
      'okta.deprovisioning_event',
      'acme-hr.termination',
    ]);
    expect(controlCatalog([hr]).map((c) => c.id)).toEqual(['CC6.2']);
  });

  it('labels each evidence type as its definition does', () => {
    expect(Object.fromEntries(evidenceLabels([okta, hr]))).toEqual({
      'okta.user_mfa': 'user MFA',
      'okta.password_policy': 'password policy',
      'okta.deprovisioning_event': 'deprovisioning event',
      'acme-hr.termination': 'HR termination',
    });
  });
});
