import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`), or `CHROMIUM_PATH`. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p));
}

/**
 * Whether the browser suite runs here. Without a browser it is skipped with one clear line, unless
 * `REQUIRE_BROWSER=1` (CI), where a missing browser fails the run.
 */
export function browserAvailable(suite: string): boolean {
  if (chromiumPath() !== undefined) return true;
  if (process.env.REQUIRE_BROWSER === '1')
    throw new Error(`${suite}: REQUIRE_BROWSER=1 but no Chromium at CHROMIUM_PATH or /usr/bin/chromium`);
  process.stdout.write(
    `${suite}: skipped: no Chromium at CHROMIUM_PATH or /usr/bin/chromium (apt-get install -y chromium)\n`,
  );
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-gpu',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
