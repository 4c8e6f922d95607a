import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Evidence } from '#src/modules/evidence/evidence.types';
import { legacyCanonicalJson } from '#src/common/util/canonical-json';
import { fingerprint } from '#src/modules/evidence/evidence.types';
import { csvLine, evidenceLine, jsonLine, MeasuringStream, PopulationCsv } from './bundle-format';

const row = (data: Record<string, unknown>, id = 'r1'): Evidence => ({
  id,
  connectionId: 'c1',
  runId: 'run1',
  connectorKey: 'okta',
  type: 'okta.user_mfa',
  sourceId: 's1',
  controls: ['CC6.1'],
  data,
  fingerprint: 'f',
  collectedAt: new Date('2026-01-02T03:04:05.000Z'),
  validUntil: null,
  locked: false,
  assessmentIds: [],
});

describe('bundle files', () => {
  it('writes JSON lines as JCS', () => {
    expect(jsonLine({ b: 1, a: [new Date(0), null] })).toBe(
      '{"a":["1970-01-01T00:00:00.000Z",null],"b":1}\n',
    );
  });

  it('quotes CSV fields per RFC 4180 and keeps formulas out of spreadsheets', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', 42, true, null, undefined])).toBe(
      'plain,"a,b","say ""hi""","two\nlines",42,true,,\r\n',
    );
    expect(csvLine(['=HYPERLINK("x")', '+1', '-2', '@sum'])).toBe(
      `"'=HYPERLINK(""x"")","'+1","'-2","'@sum"\r\n`,
    );
  });

  it("takes a population's data columns from its first row and puts the rest in otherData", () => {
    const table = new PopulationCsv();
    table.columnsFrom(row({ login: 'ann@example.com', factors: ['sms'] }));
    expect(table.header()).toBe(
      'id,sourceId,collectedAt,validUntil,connectionId,runId,fingerprint,factors,login,otherData\r\n',
    );
    expect(table.line(row({ login: 'bo@example.com', factors: [], extra: 1 }, 'r2'))).toBe(
      'r2,s1,2026-01-02T03:04:05.000Z,,c1,run1,f,[],bo@example.com,"{""extra"":1}"\r\n',
    );
  });

  it('measures what passes through: bytes, newlines and SHA-256', async () => {
    const measuring = new MeasuringStream('x.jsonl');
    const parts = ['{"a":1}\n{"a', '":2}\n'];
    const sink: Buffer[] = [];
    await pipeline(Readable.from(parts), measuring, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) sink.push(chunk);
    });
    const text = parts.join('');
    expect(Buffer.concat(sink).toString()).toBe(text);
    expect(measuring.measured()).toEqual({
      path: 'x.jsonl',
      bytes: text.length,
      lines: 2,
      sha256: createHash('sha256').update(text).digest('hex'),
    });
  });

  it('marks a row fingerprinted by the pre-RFC 8785 serialization (v0), and only such a row', () => {
    const data = { '10': 'ten', '2': 'two', name: 'x' };
    const current = fingerprint({ type: 'okta.user_mfa', sourceId: 's1', data });
    const legacy = fingerprint({ type: 'okta.user_mfa', sourceId: 's1', data }, legacyCanonicalJson);
    expect(legacy).not.toBe(current);
    const scheme = (stored: string) =>
      (JSON.parse(evidenceLine({ ...row(data), fingerprint: stored })) as { fingerprintScheme?: string })
        .fingerprintScheme;
    expect(scheme(current)).toBeUndefined();
    expect(scheme(legacy)).toBe('v0');
    expect(scheme('0'.repeat(64))).toBeUndefined();
  });
});
