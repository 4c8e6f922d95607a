/** A fenced code block of a Markdown file, with the `<!-- not-run: … -->` and `<!-- given: … -->` before it. */
export interface FencedBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  /** The block's text, its fence's indentation removed. */
  readonly code: string;
  /** Why it is not run, when marked `<!-- not-run: reason -->`. */
  readonly notRun: string | undefined;
  /** The first words of each `<!-- given: name (what a reader has done) -->`: the state the block needs. */
  readonly given: readonly string[];
}

const MARKER = /^\s*<!--\s*(not-run|given):\s*(.*?)\s*-->\s*$/;

/** Every fenced block of `markdown`, in order. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const indent = open[1]?.length ?? 0;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? ''); j++)
      body.push((lines[j] ?? '').slice(indent));
    // The markers: the comment lines right above the fence (blank lines between them allowed).
    let notRun: string | undefined;
    const given: string[] = [];
    for (let k = i - 1; k >= 0; k--) {
      const text = lines[k] ?? '';
      if (text.trim() === '') continue;
      const marker = MARKER.exec(text);
      if (marker === null) break;
      if (marker[1] === 'not-run') notRun = marker[2] ?? '';
      else given.unshift((marker[2] ?? '').split(/\s/)[0] ?? '');
    }
    blocks.push({ line: i + 1, lang: open[2] ?? '', code: body.join('\n'), notRun, given });
    i = j;
  }
  return blocks;
}
