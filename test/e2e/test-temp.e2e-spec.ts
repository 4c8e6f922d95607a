import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processEnv } from '../support/dist-process';
import { testConfig } from '../support/test-config';
import { inTestRunFolder, TEST_RUN_ROOT } from '../support/test-temp';

/**
 * The run's temporary files all go into one folder that the global teardown removes (and fails the run if it
 * cannot): test apps' data folders with their master.key, any folder a test makes with tmpdir(), and those
 * of the processes a test starts through runEntry.
 */
describe("the test run's temporary folder", () => {
  it('holds every test app data folder (master.key included)', () => {
    const config = testConfig();
    expect(process.env[TEST_RUN_ROOT]).toMatch(/okta-evidence-test-/);
    expect(inTestRunFolder(config.dataDir)).toBe(true);
    expect(inTestRunFolder(config.kms.localMasterKeyFile)).toBe(true);
    expect(inTestRunFolder(processEnv({}, config).DATA_DIR ?? '')).toBe(true);
  });

  it("is the tests' tmpdir, so folders made there go with it", () => {
    expect(inTestRunFolder(mkdtempSync(join(tmpdir(), 'kms-')))).toBe(true);
  });
});
