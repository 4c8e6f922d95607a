/** The SOC 2 controls this connector serves, as data (our wording; check the AICPA text before quoting). */
export interface ControlDefinition {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly evidenceTypes: readonly string[];
}

export const CONTROLS: readonly ControlDefinition[] = [
  {
    id: 'CC6.1',
    title: 'Logical access security',
    description:
      'Access to protected systems goes through access-control software: every user is identified and authenticated ' +
      '(multi-factor where it matters), credentials follow a password policy, and access points are restricted.',
    evidenceTypes: ['okta.user_mfa', 'okta.password_policy'],
  },
  {
    id: 'CC6.2',
    title: 'Registering and removing users',
    description:
      'Users are registered and authorized before they get credentials, and their access is removed promptly when it is ' +
      'no longer needed; the user inventory and the deprovisioning history show it.',
    evidenceTypes: ['okta.user_mfa', 'okta.deprovisioning_event'],
  },
  {
    id: 'CC6.3',
    title: 'Role-based grant, change and removal of access',
    description:
      'Access is granted, changed and removed according to roles and responsibilities, with least privilege; removals ' +
      'from groups and applications are recorded.',
    evidenceTypes: ['okta.deprovisioning_event'],
  },
];
