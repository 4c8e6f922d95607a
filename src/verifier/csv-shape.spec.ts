import { CsvShape } from './csv-shape';

/** Feeds `text` one byte at a time, so every state survives a chunk boundary. */
function shape(text: string): { records: number; problems: string[] } {
  const problems: string[] = [];
  const csv = new CsvShape((line, message) => problems.push(`${line}: ${message}`));
  for (const byte of Buffer.from(text)) csv.push(Buffer.from([byte]));
  return { records: csv.finish(), problems };
}

describe('CsvShape', () => {
  it('keeps the header fields, unquoted', () => {
    const csv = new CsvShape(() => undefined);
    csv.push(Buffer.from('id,"say ""hi""","a,b",é\r\n1,2,3,4\r\n'));
    expect(csv.finish()).toBe(2);
    expect(csv.header).toEqual(['id', 'say "hi"', 'a,b', 'é']);
  });

  it.each<[string, string, number, string[]]>([
    ['a header only', 'a,b\r\n', 1, []],
    ['plain rows', 'a,b\r\n1,2\r\n3,4\r\n', 3, []],
    ['quoted commas, quotes and line breaks', 'a,b\r\n"x,y","say ""hi"""\r\n"line\r\nbreak",2\r\n', 3, []],
    ['an empty file', '', 0, []],
    ['a bare \\n', 'a,b\n1,2\r\n', 2, ['1: the line ends in \\n, not \\r\\n']],
    ['a missing final \\r\\n', 'a,b\r\n1,2', 2, ['2: the last line does not end in \\r\\n']],
    ['a row with fewer fields', 'a,b\r\n1\r\n', 2, ['2: has 1 fields; the header has 2']],
    ['an unclosed quote', 'a,b\r\n"1,2\r\n', 1, ['3: a quoted field is not closed at the end of the file']],
    ['a quote inside a bare field', 'a,b\r\n1"x,2\r\n', 2, ['2: a " inside an unquoted field']],
  ])('%s', (_name, text, records, problems) => {
    expect(shape(text)).toEqual({ records, problems });
  });
});
