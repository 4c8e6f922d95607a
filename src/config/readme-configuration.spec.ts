import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from './app-config';

/** The variables named in the first column of the README's "## Configuration" table. */
function documentedVariables(readme: string): string[] {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('|'));
  // The header row and the separator row name no variable.
  return rows.slice(2).flatMap((row) => {
    const first = row.split('|')[1] ?? '';
    return [...first.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1] as string);
  });
}

describe("README's configuration table", () => {
  const documented = documentedVariables(readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8'));

  it('is found and names each variable once', () => {
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((v, i) => documented.indexOf(v) !== i)).toEqual([]);
  });

  it('names every variable the configuration reads', () => {
    expect(CONFIG_VARIABLES.filter((v) => !documented.includes(v))).toEqual([]);
  });

  it('names no variable the configuration does not read', () => {
    const read: readonly string[] = CONFIG_VARIABLES;
    expect(documented.filter((v) => !read.includes(v))).toEqual([]);
  });
});
