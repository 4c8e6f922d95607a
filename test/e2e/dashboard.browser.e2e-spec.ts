import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { SyncService } from '#src/modules/connectors/sync/sync.service';
import { verifyBundle } from '#src/verifier/bundle-verifier';
import { browserAvailable, launchChromium } from '../support/chromium';
import { freePort } from '../support/net';
import { OktaOrgState, OktaSimulator } from '../support/okta-simulator';
import { TestApp, type TestOrg } from '../support/test-app';

const SUITE = 'dashboard (browser e2e)';
const CLIENT = { clientId: 'dashboard-client', clientSecret: 'dashboard-client-secret-4711' };
const HOUR = 3_600_000;
const OUT = join(__dirname, '..', '..', 'test-output', 'dashboard');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WAIT = 30_000;

/** Serious and critical accessibility violations on the page as it is now (axe-core, in the page). */
async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, so the page's Content-Security-Policy (script-src 'self') holds.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> };
      }
    ).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}, ${v.nodes})`);
}

const run = browserAvailable(SUITE) ? describe : describe.skip;

run(SUITE, () => {
  let sim: OktaSimulator;
  let t: TestApp;
  let org: TestOrg;
  let browser: Browser;
  let base: string;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const state = OktaOrgState.seed({ users: 40, seed: 12, withoutMfaRatio: 0.1 });
    sim = await OktaSimulator.start({
      ...CLIENT,
      redirectUri: `${base}/api/integrations/okta/callback`,
      state,
    });
    t = await TestApp.start(
      {
        PUBLIC_URL: base,
        OKTA_ALLOWED_INSECURE_HOSTS: sim.host,
        STALENESS_CHECK_MS: '250',
        SCHEDULER_TICK_MS: '3600000',
      },
      undefined,
      port,
    );
    org = await t.createOrg('Dashboard Inc');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.get<SyncService>(SyncService).idle();
    await t?.close();
    await sim?.close();
  });

  const open = async (token: string, path = '/integrations'): Promise<Page> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(`${base}${path}#token=${encodeURIComponent(token)}`);
    return page;
  };

  it('ships at most 300 KB of gzipped JavaScript, from the API itself (no CDN)', async () => {
    const assets = join(__dirname, '..', '..', 'dist', 'web', 'assets');
    const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
    const gzipped = scripts.reduce((n, f) => n + gzipSync(readFileSync(join(assets, f))).length, 0);
    expect(scripts.length).toBeGreaterThan(0);
    expect(gzipped).toBeLessThanOrEqual(300 * 1024);
    const html = await (await fetch(`${base}/integrations/okta`)).text();
    expect(html).toContain('<div id="root">');
    expect(html).not.toMatch(/src="https?:/);
  });

  it('finds accessibility problems when there are some (the check itself works)', async () => {
    const page = await browser.newPage();
    await page.setContent('<main><img src="x.png"><input type="text"></main>');
    expect((await accessibilityProblems(page)).join(' ')).toMatch(/image-alt/);
    await page.close();
  });

  it('an admin connects Okta through the real redirect, watches the first sync, works coverage, alerts, evidence and the audit log', async () => {
    const page = await open(org.adminToken);
    // Signed in: the token left the address bar for sessionStorage, never localStorage.
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(page.url()).not.toContain('token');
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    for (const name of ['Integrations', 'Coverage', 'Evidence', 'Alerts', 'Audit log'])
      await page.getByRole('link', { name, exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
    await page.screenshot({ path: join(OUT, 'integrations.png'), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);

    // The Okta page: sections, the connect form with inline validation.
    await page.getByRole('link', { name: 'Okta' }).click();
    await page.getByRole('heading', { name: 'Okta', level: 1 }).waitFor();
    for (const section of ['Overview', 'What we collect', 'Security model', 'Setup'])
      await page.getByRole('heading', { name: section, level: 2 }).waitFor();
    sim.api.latencyMs = 300; // a first sync long enough to watch (about 40 calls, 4 at a time)
    await page.getByRole('button', { name: 'Connect Okta' }).click();
    await page.getByText('Okta domain is required').waitFor();
    await page.getByLabel('Okta domain').fill(sim.host);
    await page.getByLabel('Client ID').fill(CLIENT.clientId);
    await page.getByLabel('Client secret').fill(CLIENT.clientSecret);
    await page.getByLabel('Client authentication').selectOption('CLIENT_SECRET_BASIC');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Connect Okta' }).click();

    // Through Okta (the simulator) and the callback, back to this page with a banner.
    await page
      .waitForURL(/\/integrations\/okta\?.*result=connected/, { timeout: WAIT })
      .catch(async (error: unknown) => {
        throw new Error(
          `${String(error)}\nat ${page.url()}: ${(await page.textContent('body'))?.slice(-700)}`,
        );
      });
    await page.getByText('Okta is connected').waitFor({ timeout: WAIT });
    await page.getByTestId('connection-status').getByText('ACTIVE').waitFor({ timeout: WAIT });
    // The first sync's progress: the RUNNING row's pages and items, refreshed until the run ends.
    const latest = page.getByRole('table', { name: 'Run history' }).locator('tbody tr').first();
    await latest.waitFor({ timeout: WAIT });
    const seen: string[] = [];
    const deadline = Date.now() + WAIT;
    for (;;) {
      const cells = await latest.locator('td').allTextContents();
      seen.push(`${cells[2]}:${cells[3]}`); // status:pages
      if (cells[2] === 'SUCCEEDED') break;
      if (Date.now() > deadline) throw new Error(`the first sync did not succeed: ${seen.join(' ')}`);
      await page.waitForTimeout(200);
    }
    sim.api.latencyMs = 0;
    // While it ran, the row showed it RUNNING with its pages counting up.
    expect(seen.some((s) => /^RUNNING:[1-9]/.test(s))).toBe(true);
    expect(page.url()).not.toContain(CLIENT.clientSecret);
    await page.screenshot({ path: join(OUT, 'okta.png'), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);

    // Coverage: the controls, a failing check, and an exception.
    await page.getByRole('link', { name: 'Coverage', exact: true }).click();
    const controls = page.getByRole('table', { name: 'Controls' });
    for (const id of ['CC6.1', 'CC6.2', 'CC6.3'])
      await controls.getByRole('row', { name: new RegExp(id) }).waitFor();
    const failing = page.getByRole('table', { name: 'Failing: Every active user has MFA' });
    await failing.waitFor({ timeout: WAIT });
    const sourceId = (await failing.locator('tbody tr').first().locator('code').textContent()) ?? '';
    expect(sourceId).not.toBe('');
    await page.getByLabel('Item (source id)').fill(sourceId);
    await page.getByLabel('Reason').fill('Break-glass account, reviewed quarterly');
    await page.getByLabel('Expires').fill(new Date(Date.now() + 30 * 24 * HOUR).toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Make exception' }).click();
    await page.getByText('Exception recorded.').waitFor({ timeout: WAIT });
    await page
      .getByRole('table', { name: 'Exceptions' })
      .getByRole('row', { name: new RegExp(sourceId) })
      .waitFor();
    await page.getByLabel('Dormant after (days)').fill('3650');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved; the checks were recomputed.').waitFor({ timeout: WAIT });
    await page.screenshot({ path: join(OUT, 'coverage.png'), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);

    // The connection goes stale: the live banner appears within seconds, and a sync makes it go away.
    const connectionId = (
      await t.gql<{ connections: { edges: { node: { id: string } }[] } }>(
        org.adminToken,
        '{ connections(first: 1) { edges { node { id } } } }',
      )
    ).data?.connections.edges[0]?.node.id;
    await t.backdateLastSync(connectionId ?? '', 7 * HOUR);
    const banner = page.getByRole('alert').filter({ hasText: `Okta ${sim.host}` });
    await banner.waitFor({ timeout: WAIT });
    await page.getByRole('link', { name: 'Integrations', exact: true }).click();
    await page.getByRole('link', { name: 'Okta' }).click();
    await banner.waitFor();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await banner.waitFor({ state: 'detached', timeout: WAIT });

    // Alerts list, evidence explorer (with an as-of instant before anything was collected), audit log.
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await page.getByRole('table', { name: 'Alerts' }).getByText('STALE_CONNECTOR').first().waitFor();
    await page.screenshot({ path: join(OUT, 'alerts.png'), fullPage: true });
    await page.getByRole('link', { name: 'Evidence', exact: true }).click();
    const evidence = page.getByRole('table', { name: 'Evidence' });
    await evidence.waitFor({ timeout: WAIT });
    await evidence.getByRole('button').first().click();
    await page.getByText('Fingerprint').waitFor();
    await page.screenshot({ path: join(OUT, 'evidence.png'), fullPage: true });
    await page.getByLabel('As of').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No evidence matches.').waitFor({ timeout: WAIT });
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    await page
      .getByRole('table', { name: 'Audit log' })
      .getByText('CONNECT')
      .first()
      .waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText(/The chain is intact: \d+ entries checked/).waitFor({ timeout: WAIT });
    await page.screenshot({ path: join(OUT, 'audit.png'), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);

    // Re-authorize goes through Okta again and comes back connected; Disconnect says what is kept.
    await page.getByRole('link', { name: 'Integrations', exact: true }).click();
    await page.getByRole('link', { name: 'Okta' }).click();
    await page.getByRole('button', { name: 'Re-authorize' }).click();
    await page.waitForURL(/\/integrations\/okta\?.*result=connected/, { timeout: WAIT });
    await page.getByTestId('connection-status').getByText('ACTIVE').waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const confirm = page.getByRole('dialog');
    await confirm
      .getByText(/evidence collected so far, the run\s+history and the audit log are kept/)
      .waitFor();
    await confirm.getByRole('button', { name: 'Disconnect and keep history' }).click();
    await page.getByRole('button', { name: 'Connect Okta' }).waitFor({ timeout: WAIT });
    await page.context().close();

    const secrets = [org.adminToken, CLIENT.clientSecret];
    expect(consoleLines.filter((line) => secrets.some((s) => line.includes(s)))).toEqual([]);
  }, 180_000);

  it("an auditor exports an assessment's bundle, downloads it, and it verifies offline with the pinned key", async () => {
    const created = await t.gql<{ createAssessment: { id: string } }>(
      org.adminToken,
      'mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) { id } }',
      {
        input: {
          name: 'FY26 audit',
          periodStart: new Date(Date.now() - 24 * HOUR).toISOString(),
          periodEnd: new Date(Date.now() + HOUR).toISOString(),
        },
      },
    );
    expect(created.errors).toBeUndefined();
    const key = await t.gql<{ me: { organization: { signingKey: { fingerprint: string } } } }>(
      org.adminToken,
      '{ me { organization { signingKey { fingerprint } } } }',
    );
    const page = await open(await t.token(org.organizationId, 'AUDITOR'), '/assessments');
    await page.getByRole('heading', { name: 'Assessments', level: 1 }).waitFor();
    await page.getByRole('cell', { name: 'FY26 audit', exact: true }).waitFor({ timeout: WAIT });
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await page.getByTestId('key-fingerprint').textContent()).toBe(
      key.data?.me.organization.signingKey.fingerprint,
    );
    await page.getByRole('button', { name: 'Export bundle of FY26 audit' }).click();
    const downloadButton = page.getByRole('button', { name: 'Download bundle of FY26 audit' });
    await downloadButton.waitFor({ timeout: WAIT });
    const [file] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT }),
      downloadButton.click(),
    ]);
    const saved = join(OUT, 'bundle.zip');
    await file.saveAs(saved);
    const report = await verifyBundle(saved, { publicKey: key.data?.me.organization.signingKey.fingerprint });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, manifest: { keyPinned: true, draft: true } });
    await page.screenshot({ path: join(OUT, 'assessments.png'), fullPage: true });
    await page.context().close();

    // A MEMBER sees the assessments, and no export.
    const member = await open(await t.token(org.organizationId, 'MEMBER'), '/assessments');
    await member.getByRole('cell', { name: 'FY26 audit', exact: true }).waitFor({ timeout: WAIT });
    expect(await member.getByRole('button', { name: /Export bundle/ }).count()).toBe(0);
    await member.context().close();
  }, 120_000);

  it('is navigable with the keyboard alone', async () => {
    const page = await open(await t.token(org.organizationId, 'AUDITOR'));
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
    await page.keyboard.press('Tab'); // Integrations
    await page.keyboard.press('Tab'); // Coverage
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Coverage');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Coverage', level: 1 }).waitFor({ timeout: WAIT });
    await page.context().close();
  });

  it('asks before a sign-in link switches a signed-in user to another session', async () => {
    const page = await open(org.adminToken);
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
    const member = await t.token(org.organizationId, 'MEMBER', 'someone-else');
    await page.goto(`${base}/coverage#token=${encodeURIComponent(member)}`);
    await page.getByRole('heading', { name: 'Switch session?' }).waitFor();
    expect(page.url()).not.toContain('token');
    await page.getByRole('button', { name: 'Keep my current session' }).click();
    await page.getByText('user-admin (ADMIN)').waitFor({ timeout: WAIT });
    await page.context().close();
  });

  it('shows a MEMBER and an AUDITOR no admin action', async () => {
    for (const role of ['MEMBER', 'AUDITOR'] as const) {
      const page = await open(await t.token(org.organizationId, role), '/integrations/okta');
      await page.getByRole('heading', { name: 'Okta', level: 1 }).waitFor();
      await page.getByRole('heading', { name: 'Connection', level: 2 }).waitFor();
      await page
        .getByRole('heading', { name: 'Run history' })
        .or(page.getByText('Not connected'))
        .first()
        .waitFor();
      for (const name of ['Connect Okta', 'Sync now', 'Re-authorize', 'Disconnect'])
        expect(await page.getByRole('button', { name }).count()).toBe(0);
      await page.getByRole('link', { name: 'Coverage', exact: true }).click();
      await page.getByRole('heading', { name: 'Check settings' }).waitFor();
      expect(await page.getByRole('button', { name: 'Make exception' }).count()).toBe(0);
      await page.context().close();
    }
  }, 120_000);

  it('says why when the token is invalid or expired', async () => {
    /** A token with well-formed claims and a signature nobody made. */
    const unsigned = (exp: number): string =>
      [
        Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url'),
        Buffer.from(JSON.stringify({ sub: 'x', org: org.organizationId, role: 'ADMIN', exp })).toString(
          'base64url',
        ),
        'forged',
      ].join('.');
    const garbage = await open('not-a-token');
    await garbage.getByRole('heading', { name: 'Sign in' }).waitFor();
    await garbage.getByText('The sign-in link held no valid token.').waitFor();
    expect(garbage.url()).not.toContain('not-a-token');
    await garbage.context().close();

    const forged = await open(unsigned(Math.floor(Date.now() / 1000) + 600));
    await forged.getByText(/The server refused your sign-in/).waitFor({ timeout: WAIT });
    await forged.context().close();

    const expired = await open(unsigned(Math.floor(Date.now() / 1000) - 60));
    await expired.getByText(/Your sign-in expired/).waitFor({ timeout: WAIT });
    await expired.context().close();
  }, 60_000);
});
