import { isInstalled } from './logging.module';

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
