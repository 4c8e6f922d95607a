import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './child';
import { type Env } from './services';

const run = promisify(execFile);

/**
 * A new organization (with its data key) in the app's database and an ADMIN token for it, made as an
 * operator makes them: `dist/cli.js org create`, with the app's environment.
 */
export async function createOrg(env: Env): Promise<{ organizationId: string; token: string }> {
  const { stdout } = await run(
    process.execPath,
    [join(REPO_ROOT, 'dist', 'cli.js'), 'org', 'create', '--name', 'Bench'],
    { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } },
  );
  const { organizationId, adminToken } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    organizationId: string;
    adminToken: string;
  };
  return { organizationId, token: adminToken };
}
