import { randomUUID } from 'node:crypto';

/** A deterministic PRNG (mulberry32) so a seed always yields the same org. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const USER_STATUSES = [
  'ACTIVE',
  'DEPROVISIONED',
  'LOCKED_OUT',
  'PASSWORD_EXPIRED',
  'PROVISIONED',
  'RECOVERY',
  'STAGED',
  'SUSPENDED',
] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
export const FACTOR_STATUSES = [
  'ACTIVE',
  'DISABLED',
  'ENROLLED',
  'EXPIRED',
  'INACTIVE',
  'NOT_SETUP',
  'PENDING_ACTIVATION',
] as const;
export type FactorStatus = (typeof FACTOR_STATUSES)[number];

const FACTOR_KINDS = [
  { factorType: 'push', provider: 'OKTA', vendorName: 'OKTA' },
  { factorType: 'token:software:totp', provider: 'GOOGLE', vendorName: 'GOOGLE' },
  { factorType: 'sms', provider: 'OKTA', vendorName: 'OKTA' },
  { factorType: 'webauthn', provider: 'FIDO', vendorName: 'FIDO' },
  { factorType: 'question', provider: 'OKTA', vendorName: 'OKTA' },
  { factorType: 'token:hardware', provider: 'YUBICO', vendorName: 'YUBICO' },
  { factorType: 'token', provider: 'RSA', vendorName: 'RSA' },
  { factorType: 'email', provider: 'OKTA', vendorName: 'OKTA' },
] as const;
export type FactorType = (typeof FACTOR_KINDS)[number]['factorType'];

export interface SimUser {
  id: string;
  status: UserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  type: { id: string };
  profile: Record<string, string | null | undefined>;
  credentials: { provider: { type: string; name: string } };
}

export interface SimFactor {
  id: string;
  factorType: FactorType;
  provider: string;
  vendorName: string;
  status: FactorStatus;
  created: string;
  lastUpdated: string;
  profile: Record<string, string>;
}

export interface SimPolicy {
  id: string;
  type: 'PASSWORD' | 'MFA_ENROLL' | 'OKTA_SIGN_ON' | 'ACCESS_POLICY';
  name: string;
  description?: string;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  system: boolean;
  created: string;
  lastUpdated: string;
  /** ACCESS_POLICY has none (Okta sends null). */
  conditions: Record<string, unknown> | null;
  settings?: Record<string, unknown>;
  rules: SimPolicyRule[];
}

export interface SimPolicyRule {
  id: string;
  type: 'PASSWORD' | 'MFA_ENROLL' | 'SIGN_ON' | 'ACCESS_POLICY';
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  system: boolean;
  conditions: Record<string, unknown>;
  actions: Record<string, unknown>;
}

/** An admin role assigned to a user or to a group (whose members then hold it). */
export interface SimRoleAssignment {
  id: string;
  type: 'SUPER_ADMIN' | 'ORG_ADMIN' | 'READ_ONLY_ADMIN' | 'APP_ADMIN' | 'HELP_DESK_ADMIN' | 'CUSTOM';
  label: string;
  status: 'ACTIVE' | 'INACTIVE';
  assignee: { type: 'USER' | 'GROUP'; id: string };
  created: string;
  lastUpdated: string;
}

const ROLE_LABELS: Record<SimRoleAssignment['type'], string> = {
  SUPER_ADMIN: 'Super Administrator',
  ORG_ADMIN: 'Organizational Administrator',
  READ_ONLY_ADMIN: 'Read-only Administrator',
  APP_ADMIN: 'Application Administrator',
  HELP_DESK_ADMIN: 'Help Desk Administrator',
  CUSTOM: 'Custom role',
};

export interface SimGroup {
  id: string;
  name: string;
  /** Okta's group type; OKTA_GROUP when absent. */
  type?: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  members: Set<string>;
}

export interface SimLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  legacyEventType?: string;
  version: '0';
  displayMessage: string;
  severity: 'INFO' | 'WARN';
  outcome: { result: 'SUCCESS' | 'FAILURE'; reason?: string };
  actor: { id: string; type: string; alternateId: string; displayName: string };
  target: { id: string; type: string; alternateId: string; displayName: string }[];
  client: { ipAddress: string; userAgent: { rawUserAgent: string; os: string; browser: string } };
  transaction: { type: 'WEB' | 'JOB'; id: string; detail: Record<string, never> };
  debugContext: { debugData: Record<string, string> };
  /** Simulator bookkeeping: the order events were persisted in (for polling queries). */
  persistedSeq: number;
}

const ADMIN = {
  id: '00uadmin0000000000001',
  type: 'User',
  alternateId: 'admin@acme.example',
  displayName: 'Ada Admin',
};
const DAY = 86_400_000;

/**
 * A fake Okta org: users in every status with extensible profiles, factors, policies with rules, groups,
 * and a System Log written by every mutation. Deterministic for a given seed and clock.
 */
export class OktaOrgState {
  readonly users = new Map<string, SimUser>();
  readonly factors = new Map<string, SimFactor[]>();
  readonly policies: SimPolicy[] = [];
  readonly groups: SimGroup[] = [];
  readonly roles: SimRoleAssignment[] = [];
  readonly logs: SimLogEvent[] = [];
  private idCounter = 0;
  private persisted = 0;

  constructor(
    private readonly random: () => number,
    readonly now: () => number = Date.now,
  ) {}

  /**
   * `users` active users (plus ~10 % in other statuses), factors, two password policies, an MFA enrollment
   * policy, a sign-on policy and an app access policy (both requiring a second factor), groups, admin roles
   * (two Super Admins and a read-only admin, with MFA, and an "Okta Admins" group whose member is an org
   * admin), 30 days of history.
   */
  static seed(options: {
    users: number;
    seed?: number;
    now?: () => number;
    withoutMfaRatio?: number;
  }): OktaOrgState {
    const state = new OktaOrgState(prng(options.seed ?? 42), options.now);
    const rnd = state.random;
    const t0 = state.now();
    state.groups.push(
      { id: state.newId('00g'), name: 'Everyone', members: new Set() },
      { id: state.newId('00g'), name: 'Engineering', members: new Set() },
      { id: state.newId('00g'), name: 'Contractors', members: new Set() },
    );
    for (let i = 0; i < options.users; i++) {
      const user = state.makeUser(i, 'ACTIVE', t0 - Math.floor(rnd() * 400) * DAY);
      state.users.set(user.id, user);
      const withoutMfa = rnd() < (options.withoutMfaRatio ?? 0.08);
      state.factors.set(user.id, withoutMfa ? state.inactiveFactors(user) : state.someFactors(user));
      state.groups[0]?.members.add(user.id);
      state.groups[1 + (i % 2)]?.members.add(user.id);
    }
    const others = USER_STATUSES.filter((status) => status !== 'ACTIVE');
    for (let i = 0; i < Math.max(7, Math.floor(options.users / 10)); i++) {
      const status = others[i % others.length] ?? 'STAGED';
      const user = state.makeUser(options.users + i, status, t0 - Math.floor(rnd() * 400) * DAY);
      state.users.set(user.id, user);
      state.factors.set(
        user.id,
        status === 'STAGED' || status === 'PROVISIONED' ? [] : state.someFactors(user),
      );
    }
    state.policies.push(
      state.passwordPolicy('Default Policy', 2, true, {
        minLength: 8,
        minLowerCase: 1,
        minUpperCase: 1,
        minNumber: null,
        minSymbol: 0,
      }),
    );
    state.policies.push(
      state.passwordPolicy('Admins', 1, false, {
        minLength: 14,
        minLowerCase: 1,
        minUpperCase: 1,
        minNumber: 1,
        minSymbol: 1,
      }),
    );
    state.policies.push(state.mfaPolicy());
    state.policies.push(state.signOnPolicy());
    state.policies.push(state.accessPolicy());
    state.seedRoles();
    // History: deprovisioning and membership removals over the last 45 days (some older than our 30-day window).
    const active = [...state.users.values()].filter((u) => u.status === 'ACTIVE');
    for (let i = 0; i < Math.max(4, Math.floor(options.users / 50)); i++) {
      const user = active[Math.floor(rnd() * active.length)];
      if (user === undefined) continue;
      const at = t0 - Math.floor(rnd() * 45 * DAY);
      const type =
        [
          'user.lifecycle.deactivate',
          'group.user_membership.remove',
          'application.user_membership.remove',
          'user.lifecycle.suspend',
        ][i % 4] ?? 'user.lifecycle.deactivate';
      state.log(type, user, at);
      state.log('user.session.start', user, at - 3_600_000);
    }
    return state;
  }

  newId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}${this.idCounter.toString(36).padStart(17, '0')}`;
  }

  iso(at: number = this.now()): string {
    return new Date(at).toISOString();
  }

  makeUser(index: number, status: UserStatus, createdAt: number): SimUser {
    const first =
      ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Margaret', 'Linus', 'Radia', 'Donald'][
        index % 10
      ] ?? 'Sam';
    const last =
      [
        'Lovelace',
        'Hopper',
        'Turing',
        'Dijkstra',
        'Liskov',
        'Thompson',
        'Hamilton',
        'Torvalds',
        'Perlman',
        'Knuth',
      ][Math.floor(index / 10) % 10] ?? 'Lee';
    const login = `${first}.${last}.${index}@acme.example`.toLowerCase();
    const neverLoggedIn = this.random() < 0.05;
    const activatedAt = Math.min(createdAt + 3_600_000, this.now());
    const lastLogin = neverLoggedIn
      ? null
      : this.iso(this.now() - Math.floor(this.random() * 120) * DAY - Math.floor(this.random() * DAY));
    return {
      id: this.newId('00u'),
      status,
      created: this.iso(createdAt),
      activated: status === 'STAGED' ? null : this.iso(activatedAt),
      statusChanged: this.iso(activatedAt),
      lastLogin: status === 'ACTIVE' ? lastLogin : null,
      lastUpdated: this.iso(activatedAt),
      passwordChanged: this.iso(activatedAt),
      type: { id: 'oty00000000000000001' },
      profile: {
        login,
        email: login,
        firstName: first,
        lastName: last,
        department: ['Engineering', 'Sales', 'Finance', undefined][index % 4],
        employeeNumber: String(10000 + index),
        userType: index % 25 === 0 ? 'Service' : 'Employee',
      },
      credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
    };
  }

  makeFactor(user: SimUser, kind: number, status: FactorStatus, at: number = this.now()): SimFactor {
    const k = FACTOR_KINDS[kind % FACTOR_KINDS.length] ?? FACTOR_KINDS[0];
    return {
      id: this.newId('fac'),
      factorType: k.factorType,
      provider: k.provider,
      vendorName: k.vendorName,
      status,
      created: this.iso(at),
      lastUpdated: this.iso(at),
      profile:
        k.factorType === 'sms'
          ? { phoneNumber: '+15551231337' }
          : { credentialId: user.profile.login ?? user.id },
    };
  }

  private someFactors(user: SimUser): SimFactor[] {
    const count = 1 + Math.floor(this.random() * 3);
    const created = Date.parse(user.created) + DAY;
    return Array.from({ length: count }, (_, i) =>
      this.makeFactor(
        user,
        Math.floor(this.random() * 8) + i,
        i === 0 || this.random() < 0.8 ? 'ACTIVE' : 'PENDING_ACTIVATION',
        created,
      ),
    );
  }

  /** Enrolled-but-not-active factors only: such a user has no MFA. */
  private inactiveFactors(user: SimUser): SimFactor[] {
    return this.random() < 0.5
      ? []
      : [this.makeFactor(user, 1, 'PENDING_ACTIVATION', Date.parse(user.created) + DAY)];
  }

  private passwordPolicy(
    name: string,
    priority: number,
    system: boolean,
    complexity: Record<string, number | null>,
  ): SimPolicy {
    const id = this.newId('00p');
    return {
      id,
      type: 'PASSWORD',
      name,
      ...(system
        ? { description: 'The default policy applies in all situations if no other policy applies.' }
        : {}),
      status: 'ACTIVE',
      priority,
      system,
      created: this.iso(this.now() - 300 * DAY),
      lastUpdated: this.iso(this.now() - 100 * DAY),
      conditions: {
        people: { groups: { include: [this.groups[system ? 0 : 1]?.id ?? ''] } },
        authProvider: { provider: 'OKTA' },
      },
      settings: {
        password: {
          complexity: {
            ...complexity,
            excludeUsername: true,
            excludeAttributes: [],
            dictionary: { common: { exclude: !system } },
          },
          age: {
            maxAgeDays: system ? 0 : 90,
            expireWarnDays: 0,
            minAgeMinutes: 0,
            historyCount: system ? 0 : 10,
          },
          lockout: {
            maxAttempts: system ? 10 : 5,
            autoUnlockMinutes: 0,
            showLockoutFailures: false,
            userLockoutNotificationChannels: [],
          },
        },
        recovery: {
          factors: {
            okta_email: { status: 'ACTIVE', properties: { recoveryToken: { tokenLifetimeMinutes: 60 } } },
          },
        },
        delegation: { options: { skipUnlock: false } },
      },
      rules: [
        {
          id: this.newId('0pr'),
          type: 'PASSWORD',
          name: 'Default Rule',
          status: 'ACTIVE',
          priority: 1,
          system: true,
          conditions: { people: { users: { exclude: [] } }, network: { connection: 'ANYWHERE' } },
          actions: {
            passwordChange: { access: 'ALLOW' },
            selfServicePasswordReset: { access: 'ALLOW' },
            selfServiceUnlock: { access: 'DENY' },
          },
        },
      ],
    };
  }

  private mfaPolicy(): SimPolicy {
    return {
      id: this.newId('00p'),
      type: 'MFA_ENROLL',
      name: 'Default MFA Enrollment',
      status: 'ACTIVE',
      priority: 1,
      system: true,
      created: this.iso(this.now() - 300 * DAY),
      lastUpdated: this.iso(this.now() - 100 * DAY),
      conditions: { people: { groups: { include: [this.groups[0]?.id ?? ''] } } },
      settings: {
        type: 'AUTHENTICATORS',
        authenticators: [
          { key: 'okta_verify', enroll: { self: 'REQUIRED' } },
          { key: 'webauthn', enroll: { self: 'OPTIONAL' } },
          { key: 'phone_number', enroll: { self: 'NOT_ALLOWED' } },
        ],
      },
      rules: [
        {
          id: this.newId('0pr'),
          type: 'MFA_ENROLL',
          name: 'Default Rule',
          status: 'ACTIVE',
          priority: 1,
          system: true,
          conditions: { people: { users: { exclude: [] } }, network: { connection: 'ANYWHERE' } },
          actions: { enroll: { self: 'CHALLENGE' } },
        },
      ],
    };
  }

  /** The global session (Okta sign-on) policy: everyone, with a rule that requires a second factor. */
  private signOnPolicy(): SimPolicy {
    return {
      id: this.newId('00p'),
      type: 'OKTA_SIGN_ON',
      name: 'Default Policy',
      description: 'The default policy applies in all situations if no other policy applies.',
      status: 'ACTIVE',
      priority: 1,
      system: true,
      created: this.iso(this.now() - 300 * DAY),
      lastUpdated: this.iso(this.now() - 100 * DAY),
      conditions: { people: { groups: { include: [this.groups[0]?.id ?? ''] } } },
      rules: [
        {
          id: this.newId('0pr'),
          type: 'SIGN_ON',
          name: 'Default Rule',
          status: 'ACTIVE',
          priority: 1,
          system: true,
          conditions: { people: { users: { exclude: [] } }, network: { connection: 'ANYWHERE' } },
          actions: {
            signon: {
              access: 'ALLOW',
              requireFactor: true,
              factorPromptMode: 'ALWAYS',
              primaryFactor: 'PASSWORD_IDP',
              rememberDeviceByDefault: false,
              session: {
                usePersistentCookie: false,
                maxSessionIdleMinutes: 120,
                maxSessionLifetimeMinutes: 0,
              },
            },
          },
        },
      ],
    };
  }

  /** An app sign-in (access) policy: a catch-all rule requiring two factors, one a possession factor. */
  private accessPolicy(): SimPolicy {
    return {
      id: this.newId('rst'),
      type: 'ACCESS_POLICY',
      name: 'Any two factors',
      description: 'Require two factors for every app.',
      status: 'ACTIVE',
      priority: 1,
      system: false,
      created: this.iso(this.now() - 300 * DAY),
      lastUpdated: this.iso(this.now() - 100 * DAY),
      conditions: null,
      rules: [
        {
          id: this.newId('rul'),
          type: 'ACCESS_POLICY',
          name: 'Catch-all Rule',
          status: 'ACTIVE',
          priority: 99,
          system: true,
          conditions: { network: { connection: 'ANYWHERE' } },
          actions: {
            appSignOn: {
              access: 'ALLOW',
              verificationMethod: {
                type: 'ASSURANCE',
                factorMode: '2FA',
                constraints: [{ possession: { required: true, userPresence: 'REQUIRED' } }],
                reauthenticateIn: 'PT12H',
              },
            },
          },
        },
      ],
    };
  }

  /** Two Super Admins and a read-only admin (active users with an ACTIVE factor), and an org admin group. */
  private seedRoles(): void {
    const withMfa = [...this.users.values()].filter(
      (u) => u.status === 'ACTIVE' && (this.factors.get(u.id) ?? []).some((f) => f.status === 'ACTIVE'),
    );
    const [first, second, third, fourth] = withMfa;
    const at = this.now() - 200 * DAY;
    if (first !== undefined) this.assignRole({ type: 'USER', id: first.id }, 'SUPER_ADMIN', at);
    if (second !== undefined) this.assignRole({ type: 'USER', id: second.id }, 'SUPER_ADMIN', at);
    if (third !== undefined) this.assignRole({ type: 'USER', id: third.id }, 'READ_ONLY_ADMIN', at);
    const admins: SimGroup = { id: this.newId('00g'), name: 'Okta Admins', members: new Set() };
    this.groups.push(admins);
    if (fourth !== undefined) admins.members.add(fourth.id);
    this.assignRole({ type: 'GROUP', id: admins.id }, 'ORG_ADMIN', at);
  }

  private assignRole(
    assignee: SimRoleAssignment['assignee'],
    type: SimRoleAssignment['type'],
    at: number = this.now(),
    label: string = ROLE_LABELS[type],
  ): SimRoleAssignment {
    const role: SimRoleAssignment = {
      id: this.newId(type === 'CUSTOM' ? 'irb' : 'ra1'),
      type,
      label,
      status: 'ACTIVE',
      assignee,
      created: this.iso(at),
      lastUpdated: this.iso(at),
    };
    this.roles.push(role);
    return role;
  }

  /** Grants an admin role to a user or a group, as an admin would (logged like Okta's). */
  grantRole(
    assignee: SimRoleAssignment['assignee'],
    type: SimRoleAssignment['type'],
    label?: string,
  ): SimRoleAssignment {
    const role = this.assignRole(assignee, type, this.now(), label);
    const user =
      assignee.type === 'USER' ? this.mustUser(assignee.id) : (this.users.values().next().value as SimUser);
    this.log(assignee.type === 'USER' ? 'user.account.privilege.grant' : 'group.privilege.grant', user);
    return role;
  }

  /** The users holding a role, directly or through a group, in id order. */
  usersWithRoles(): string[] {
    const ids = new Set<string>();
    for (const role of this.roles) {
      if (role.assignee.type === 'USER') ids.add(role.assignee.id);
      else for (const id of this.groups.find((g) => g.id === role.assignee.id)?.members ?? []) ids.add(id);
    }
    return [...ids].filter((id) => this.users.has(id)).sort();
  }

  /** A user's role assignments: their own, then those of their groups. */
  rolesOf(userId: string): { role: SimRoleAssignment; via?: SimGroup }[] {
    const direct = this.roles.filter((r) => r.assignee.type === 'USER' && r.assignee.id === userId);
    const viaGroups = this.roles.flatMap((role) => {
      const group = this.groups.find((g) => g.id === role.assignee.id);
      return role.assignee.type === 'GROUP' && group?.members.has(userId) === true
        ? [{ role, via: group }]
        : [];
    });
    return [...direct.map((role) => ({ role })), ...viaGroups];
  }

  /** Appends a System Log event about `user`, persisted now (publication time may be earlier). */
  log(
    eventType: string,
    user: SimUser,
    publishedAt: number = this.now(),
    outcome: 'SUCCESS' | 'FAILURE' = 'SUCCESS',
  ): SimLogEvent {
    this.persisted += 1;
    const event: SimLogEvent = {
      uuid: randomUUID(),
      published: this.iso(publishedAt),
      eventType,
      version: '0',
      displayMessage: eventType.replace(/\./g, ' '),
      severity: 'INFO',
      outcome: { result: outcome },
      actor: { ...ADMIN },
      target: [
        {
          id: user.id,
          type: 'User',
          alternateId: user.profile.login ?? user.id,
          displayName: `${user.profile.firstName ?? ''} ${user.profile.lastName ?? ''}`.trim(),
        },
      ],
      client: {
        ipAddress: '203.0.113.10',
        userAgent: { rawUserAgent: 'Mozilla/5.0', os: 'Mac OS X', browser: 'CHROME' },
      },
      transaction: { type: 'WEB', id: randomUUID(), detail: {} },
      debugContext: { debugData: { requestId: randomUUID() } },
      persistedSeq: this.persisted,
    };
    this.logs.push(event);
    return event;
  }

  // ---- mutations tests drive (each writes the System Log like Okta would) ----

  addUser(): SimUser {
    const user = this.makeUser(this.users.size + 1000, 'ACTIVE', this.now());
    this.users.set(user.id, user);
    this.factors.set(user.id, [this.makeFactor(user, 0, 'ACTIVE')]);
    this.log('user.lifecycle.create', user);
    this.log('user.lifecycle.activate', user);
    this.groups[0]?.members.add(user.id);
    this.logMembership('group.user_membership.add', user, this.groups[0]);
    return user;
  }

  deactivateUser(id: string): void {
    const user = this.mustUser(id);
    user.status = 'DEPROVISIONED';
    user.statusChanged = this.iso();
    user.lastUpdated = this.iso();
    this.log('user.lifecycle.deactivate', user);
  }

  suspendUser(id: string): void {
    const user = this.mustUser(id);
    user.status = 'SUSPENDED';
    user.statusChanged = this.iso();
    user.lastUpdated = this.iso();
    this.log('user.lifecycle.suspend', user);
  }

  /** Factor changes do not bump `lastUpdated` (unverified at Okta; the connector must not rely on it). */
  enrollFactor(id: string, kind = 3): SimFactor {
    const user = this.mustUser(id);
    const factor = this.makeFactor(user, kind, 'ACTIVE');
    this.factors.set(id, [...(this.factors.get(id) ?? []), factor]);
    this.log('user.mfa.factor.activate', user);
    return factor;
  }

  resetFactors(id: string): void {
    const user = this.mustUser(id);
    this.factors.set(id, []);
    this.log('user.mfa.factor.reset_all', user);
  }

  removeFromGroup(userId: string, groupIndex = 1): void {
    const user = this.mustUser(userId);
    const group = this.groups[groupIndex];
    group?.members.delete(userId);
    this.logMembership('group.user_membership.remove', user, group);
  }

  /** A new, empty group (an APP_GROUP is one an app imports, e.g. from a directory); returns its index. */
  addGroup(name: string, type: NonNullable<SimGroup['type']> = 'OKTA_GROUP'): number {
    this.groups.push({ id: this.newId('00g'), name, type, members: new Set() });
    return this.groups.length - 1;
  }

  addToGroup(userId: string, groupIndex = 1): void {
    const user = this.mustUser(userId);
    const group = this.groups[groupIndex];
    group?.members.add(userId);
    this.logMembership('group.user_membership.add', user, group);
  }

  /** A membership event names the user and the group, as Okta's does. */
  private logMembership(eventType: string, user: SimUser, group: SimGroup | undefined): void {
    const event = this.log(eventType, user);
    if (group !== undefined)
      event.target.push({
        id: group.id,
        type: 'UserGroup',
        alternateId: group.name,
        displayName: group.name,
      });
  }

  weakenPasswordPolicy(policyId: string, complexity: Record<string, number | null>): void {
    const policy = this.policies.find((p) => p.id === policyId);
    if (policy === undefined) throw new Error(`no policy ${policyId}`);
    const password = (policy.settings?.password ?? {}) as { complexity: Record<string, unknown> };
    password.complexity = { ...password.complexity, ...complexity };
    policy.lastUpdated = this.iso();
    const first = this.users.values().next().value as SimUser;
    this.log('policy.lifecycle.update', first);
  }

  /**
   * Adds an ACTIVE rule to the (first) ACCESS_POLICY, or OKTA_SIGN_ON, policy that lets the group at
   * `groupIndex` (default: Contractors) sign in with one factor; returns the rule.
   */
  exemptGroupFromSecondFactor(
    groupIndex = 2,
    policyType: 'ACCESS_POLICY' | 'OKTA_SIGN_ON' = 'ACCESS_POLICY',
  ): SimPolicyRule {
    const policy = this.policies.find((p) => p.type === policyType);
    const group = this.groups[groupIndex];
    if (policy === undefined || group === undefined) throw new Error(`no ${policyType} policy or group`);
    const people = { groups: { include: [group.id] } };
    const rule: SimPolicyRule =
      policyType === 'ACCESS_POLICY'
        ? {
            id: this.newId('rul'),
            type: 'ACCESS_POLICY',
            name: `${group.name} with a password`,
            status: 'ACTIVE',
            priority: 1,
            system: false,
            conditions: { people },
            actions: {
              appSignOn: {
                access: 'ALLOW',
                verificationMethod: {
                  type: 'ASSURANCE',
                  factorMode: '1FA',
                  constraints: [{ knowledge: { types: ['password'] } }],
                  reauthenticateIn: 'PT2H',
                },
              },
            },
          }
        : {
            id: this.newId('0pr'),
            type: 'SIGN_ON',
            name: `${group.name} without MFA`,
            status: 'ACTIVE',
            priority: 1,
            system: false,
            conditions: { people },
            actions: { signon: { access: 'ALLOW', requireFactor: false, primaryFactor: 'PASSWORD_IDP' } },
          };
    for (const other of policy.rules) other.priority += 1;
    policy.rules.unshift(rule);
    this.policyChanged(policy, 'policy.rule.add');
    return rule;
  }

  /** Changes a policy's name or status (e.g. deactivates it), as an admin would. */
  updatePolicy(policyId: string, change: { name?: string; status?: 'ACTIVE' | 'INACTIVE' }): SimPolicy {
    const policy = this.policies.find((p) => p.id === policyId);
    if (policy === undefined) throw new Error(`no policy ${policyId}`);
    Object.assign(policy, change);
    this.policyChanged(policy, 'policy.lifecycle.update');
    return policy;
  }

  private policyChanged(policy: SimPolicy, eventType: string): void {
    policy.lastUpdated = this.iso();
    const first = this.users.values().next().value as SimUser;
    this.log(eventType, first);
  }

  activeUsers(): SimUser[] {
    return [...this.users.values()].filter((u) => u.status === 'ACTIVE');
  }

  private mustUser(id: string): SimUser {
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`no user ${id}`);
    return user;
  }
}
