// Runs a compiled entry point (dist/<entry>) with the given arguments, building first only when the build is
// missing or older than its sources: `npm run cli` and `npm run verify` start at once when dist/ is current.
// "Older": a file under src/ (or a tsconfig) changed after the last `tsc -p tsconfig.build.json`, whose
// build-info file tsc rewrites on every build. tsc's output goes to stderr, so stdout stays the command's.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (entry === undefined) {
  process.stderr.write('usage: node scripts/run-built.mjs <entry.js> [args…]\n');
  process.exit(2);
}
const target = join(root, 'dist', entry);
const buildInfo = join(root, 'node_modules', '.cache', 'tsc-build.tsbuildinfo');

function newestSource(dir) {
  let newest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (item.name.endsWith('.ts') && !item.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function stale() {
  // A runtime install (dist/ without src/) is what it is: nothing to build from.
  if (!existsSync(join(root, 'src'))) return false;
  if (!existsSync(target) || !existsSync(buildInfo)) return true;
  const sources = Math.max(
    newestSource(join(root, 'src')),
    ...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs),
  );
  return sources > statSync(buildInfo).mtimeMs;
}

if (stale()) {
  // Without the entry, tsc's build info would claim there is nothing to emit.
  if (!existsSync(target)) rmSync(buildInfo, { force: true });
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (built.status !== 0) {
    process.stderr.write(`The build failed (tsc -p tsconfig.build.json); ${entry} was not run.\n`);
    process.exit(1);
  }
  // The build is now as new as the sources, even when tsc found nothing to rewrite (a file touched unchanged).
  const now = new Date();
  utimesSync(buildInfo, now, now);
}

// The entry reads its arguments from process.argv.slice(2), as when started as `node dist/<entry>`.
process.argv = [process.argv[0], target, ...args];
createRequire(import.meta.url)(target);
