import { type Line, LineSplitter } from './line-splitter';

function split(chunks: readonly Buffer[], maxLineBytes = 16): Line[] {
  const splitter = new LineSplitter(maxLineBytes);
  const lines = chunks.flatMap((chunk) => [...splitter.push(chunk)]);
  const tail = splitter.finish();
  return tail === undefined ? lines : [...lines, tail];
}

describe('LineSplitter', () => {
  it('joins lines split across chunks, multi-byte characters included, and numbers them', () => {
    const bytes = Buffer.from('{"a":"é"}\nsecond\nlast', 'utf8');
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(split(chunks)).toEqual([
      { number: 1, text: '{"a":"é"}' },
      { number: 2, text: 'second' },
      { number: 3, text: 'last' },
    ]);
    expect(split([Buffer.from('one\n\n')])).toEqual([
      { number: 1, text: 'one' },
      { number: 2, text: '' },
    ]);
  });

  it('reports an over-long line without holding it, and invalid UTF-8, and carries on', () => {
    const lines = split(
      [Buffer.from('x'.repeat(10)), Buffer.from('x'.repeat(10)), Buffer.from('\nok\n\xff\n', 'latin1')],
      16,
    );
    expect(lines).toEqual([
      { number: 1, error: 'is longer than 16 bytes; not read' },
      { number: 2, text: 'ok' },
      { number: 3, error: 'is not valid UTF-8' },
    ]);
  });
});
