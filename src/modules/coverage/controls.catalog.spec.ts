import { type ConnectorDefinition } from '#src/modules/connectors/connector-definition';
import { controlCatalog, evidenceLabels } from './controls.catalog';

/** An identity provider's definition, as a connector would declare it (only the fields the catalog reads). */
const idpDefinition = {
  key: 'idp',
  name: 'IdP',
  evidence: [
    { type: 'idp.user_mfa', label: 'user MFA', controls: ['CC6.1', 'CC6.2'] },
    { type: 'idp.password_policy', label: 'password policy', controls: ['CC6.1'] },
    { type: 'idp.deprovisioning_event', label: 'deprovisioning event', controls: ['CC6.2', 'CC6.3'] },
  ],
} as unknown as ConnectorDefinition;
const idp = idpDefinition;
const hr = {
  ...idp,
  key: 'acme-hr',
  evidence: [{ type: 'acme-hr.termination', label: 'HR termination', controls: ['CC6.2'] }],
} as ConnectorDefinition;

describe('controlCatalog (controls and their evidence, from the connector definitions)', () => {
  it("gives each control the evidence types the IdP's definition maps to it", () => {
    expect(controlCatalog([idp]).map((c) => [c.id, c.evidenceTypes])).toEqual([
      ['CC6.1', ['idp.user_mfa', 'idp.password_policy']],
      ['CC6.2', ['idp.user_mfa', 'idp.deprovisioning_event']],
      ['CC6.3', ['idp.deprovisioning_event']],
    ]);
  });

  it('adds a second connector’s evidence to the controls it names, and drops controls nobody supports', () => {
    expect(controlCatalog([idp, hr]).find((c) => c.id === 'CC6.2')?.evidenceTypes).toEqual([
      'idp.user_mfa',
      'idp.deprovisioning_event',
      'acme-hr.termination',
    ]);
    expect(controlCatalog([hr]).map((c) => c.id)).toEqual(['CC6.2']);
  });

  it('labels each evidence type as its definition does', () => {
    expect(Object.fromEntries(evidenceLabels([idp, hr]))).toEqual({
      'idp.user_mfa': 'user MFA',
      'idp.password_policy': 'password policy',
      'idp.deprovisioning_event': 'deprovisioning event',
      'acme-hr.termination': 'HR termination',
    });
  });
});
