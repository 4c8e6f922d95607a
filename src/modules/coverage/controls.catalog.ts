import { type ConnectorDefinition } from '#src/modules/connectors/connector-definition';

/** A SOC 2 control the platform reports on, with the evidence types the registered connectors give it. */
export interface ControlDefinition {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly evidenceTypes: readonly string[];
  /** Those of `evidenceTypes` collected only behind an optional scope: no rows is no gap. */
  readonly optionalEvidenceTypes: readonly string[];
}

/** The controls' own text (our wording; check the AICPA text before quoting). */
const CONTROL_TEXTS: readonly Omit<ControlDefinition, 'evidenceTypes' | 'optionalEvidenceTypes'>[] = [
  {
    id: 'CC6.1',
    title: 'Logical access security',
    description:
      'Access to protected systems goes through access-control software: every user is identified and authenticated ' +
      '(multi-factor where it matters), credentials follow a password policy, and access points are restricted.',
  },
  {
    id: 'CC6.2',
    title: 'Registering and removing users',
    description:
      'Users are registered and authorized before they get credentials, and their access is removed promptly when it is ' +
      'no longer needed; the user inventory and the deprovisioning history show it.',
  },
  {
    id: 'CC6.3',
    title: 'Role-based grant, change and removal of access',
    description:
      'Access is granted, changed and removed according to roles and responsibilities, with least privilege; removals ' +
      'from groups and applications are recorded.',
  },
];

/**
 * The controls with the evidence types that support them, from the connectors' definitions (each evidence
 * type names its controls there). A control no connector supports is left out.
 */
export function controlCatalog(connectors: readonly ConnectorDefinition[]): ControlDefinition[] {
  return CONTROL_TEXTS.map((control) => ({
    ...control,
    evidenceTypes: connectors.flatMap((c) =>
      c.evidence.filter((e) => e.controls.includes(control.id)).map((e) => e.type),
    ),
    optionalEvidenceTypes: connectors.flatMap((c) =>
      c.evidence
        .filter((e) => e.controls.includes(control.id) && e.optionalScope !== undefined)
        .map((e) => e.type),
    ),
  })).filter((control) => control.evidenceTypes.length > 0);
}

/** How people call each evidence type ("user MFA"), from the connectors' definitions. */
export function evidenceLabels(connectors: readonly ConnectorDefinition[]): ReadonlyMap<string, string> {
  return new Map(connectors.flatMap((c) => c.evidence.map((e) => [e.type, e.label] as const)));
}
