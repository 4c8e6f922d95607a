import { OrgContext } from '#src/common/tenancy/org-context';
import { isInstalled, logContext } from './logging.module';
import { RunLogContext } from './run-log-context';

describe('isInstalled (pino-pretty is loaded only when present)', () => {
  it('is true for a package that resolves', () => {
    expect(isInstalled('pino')).toBe(true);
  });

  it('is false, without throwing, for one that does not (a production install has no pino-pretty)', () => {
    const missing = (id: string): string => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    expect(isInstalled('pino-pretty', missing)).toBe(false);
    expect(isInstalled('no-such-package-okta-evidence')).toBe(false);
  });
});

describe('logContext (the mixin on every line)', () => {
  const organizationId = '0123456789abcdef01234567';

  it('is empty outside any organization or run', () => {
    expect(logContext()).toEqual({});
  });

  it('carries the organization inside its work, and the run inside a run', () => {
    expect(OrgContext.runAsSystem(organizationId, 'test', () => logContext())).toEqual({ organizationId });
    expect(
      OrgContext.runAsSystem(organizationId, 'test', () => RunLogContext.run('run-1', () => logContext())),
    ).toEqual({ organizationId, runId: 'run-1' });
  });

  it('keeps the run across awaits', async () => {
    const seen = await OrgContext.runAsSystem(organizationId, 'test', () =>
      RunLogContext.run('run-2', async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return logContext();
      }),
    );
    expect(seen).toEqual({ organizationId, runId: 'run-2' });
  });
});
