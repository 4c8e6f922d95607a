/**
 * A reader of the project's Dockerfile and .dockerignore: just the instructions it uses (FROM … AS, WORKDIR,
 * COPY [--from], RUN, ENV, USER, EXPOSE, HEALTHCHECK … CMD, CMD in exec form), so the image rehearsal replays
 * the file itself and a test can hold it to the production shape. Anything else is refused, never skipped.
 */

export type Instruction =
  | { readonly op: 'WORKDIR'; readonly path: string }
  | {
      readonly op: 'COPY';
      readonly from: string | undefined;
      readonly sources: string[];
      readonly target: string;
    }
  | { readonly op: 'RUN'; readonly command: string }
  | { readonly op: 'ENV'; readonly name: string; readonly value: string }
  | { readonly op: 'USER'; readonly user: string }
  | { readonly op: 'EXPOSE'; readonly port: number }
  | { readonly op: 'HEALTHCHECK'; readonly command: string }
  | { readonly op: 'CMD'; readonly argv: string[] };

export interface Stage {
  readonly name: string;
  readonly image: string;
  readonly instructions: Instruction[];
}

function parseInstruction(keyword: string, rest: string, line: number): Instruction {
  switch (keyword) {
    case 'WORKDIR':
      return { op: 'WORKDIR', path: rest };
    case 'COPY': {
      const words = rest.split(/\s+/);
      const from =
        words[0]?.startsWith('--from=') === true ? words.shift()?.slice('--from='.length) : undefined;
      const target = words.pop();
      if (target === undefined || words.length === 0)
        throw new Error(`Dockerfile:${line}: COPY needs sources and a target`);
      return { op: 'COPY', from, sources: words, target };
    }
    case 'RUN':
      return { op: 'RUN', command: rest };
    case 'ENV': {
      const match = /^([A-Z_][A-Z0-9_]*)=(\S+)$/.exec(rest);
      if (match === null) throw new Error(`Dockerfile:${line}: ENV must be NAME=value`);
      return { op: 'ENV', name: match[1] as string, value: match[2] as string };
    }
    case 'USER':
      return { op: 'USER', user: rest };
    case 'EXPOSE':
      return { op: 'EXPOSE', port: Number(rest) };
    case 'HEALTHCHECK': {
      const match = /\bCMD\s+(.+)$/.exec(rest);
      if (match === null) throw new Error(`Dockerfile:${line}: HEALTHCHECK needs CMD`);
      return { op: 'HEALTHCHECK', command: match[1] as string };
    }
    case 'CMD': {
      const argv = JSON.parse(rest) as unknown;
      if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string'))
        throw new Error(`Dockerfile:${line}: CMD must be in exec form`);
      return { op: 'CMD', argv };
    }
    default:
      throw new Error(`Dockerfile:${line}: ${keyword} is not supported by the image rehearsal`);
  }
}

export function parseDockerfile(text: string): Stage[] {
  const stages: { name: string; image: string; instructions: Instruction[] }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [keyword = '', ...restWords] = line.split(/\s+/);
    const rest = line.slice(keyword.length).trim();
    if (keyword === 'FROM') {
      const [image, as, name] = restWords;
      if (image === undefined || as?.toUpperCase() !== 'AS' || name === undefined)
        throw new Error(`Dockerfile:${i + 1}: FROM must name its stage (FROM image AS name)`);
      stages.push({ name, image, instructions: [] });
      return;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`Dockerfile:${i + 1}: ${keyword} before FROM`);
    stage.instructions.push(parseInstruction(keyword, rest, i + 1));
  });
  return stages;
}

/** Whether a top-level entry of the build context is left out by .dockerignore (names and `*.ext` only). */
export function ignoredBy(patterns: readonly string[]): (entry: string) => boolean {
  return (entry) =>
    patterns.some((p) => (p.startsWith('*.') ? entry.endsWith(p.slice(1)) : entry === p.replace(/\/$/, '')));
}

export function parseDockerignore(text: string): string[] {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const p of patterns)
    if (p.includes('/') ? !/^[^/*]+\/$/.test(p) : p.includes('*') && !/^\*\.[^*/]+$/.test(p))
      throw new Error(
        `.dockerignore: "${p}" is not a top-level name or *.ext (the rehearsal reads only those)`,
      );
  return patterns;
}
