import { type CheckFailuresRepository } from './check-failures.repository';
import { type CheckItem } from './checks/check.types';
import { type CheckReport, CoverageService } from './coverage.service';

const item = (sourceId: string): CheckItem => ({ sourceId, label: sourceId, reason: 'no ACTIVE MFA factor' });

describe('CoverageService.failingItems (a page of a check: items reopened since it was stored, then the stored ones)', () => {
  const stored = ['s1', 's2', 's3'].map(item);
  const slices: [number, number][] = [];
  const failures = {
    slice: (_generation: string, _check: string, offset: number, limit: number) => {
      slices.push([offset, limit]);
      return Promise.resolve(stored.slice(offset, offset + limit));
    },
  } as unknown as CheckFailuresRepository;
  const service = new CoverageService(
    ...([
      undefined,
      undefined,
      failures,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ] as unknown as ConstructorParameters<typeof CoverageService>),
  );
  const check: CheckReport = {
    key: 'mfa_enrolled',
    title: 'Every active user has MFA',
    control: 'CC6.1',
    status: 'FAIL',
    reason: '5 of 9 fail',
    excepted: [],
    evaluated: 9,
    failingCount: 5,
    reopened: ['r1', 'r2'].map(item),
    failingPreview: [],
    generation: 'g1',
  };
  const ids = async (offset: number, limit: number): Promise<string[]> =>
    (await service.failingItems(check, offset, limit)).map((i) => i.sourceId);

  beforeEach(() => slices.splice(0));

  it.each<[number, number, string[]]>([
    [0, 1, ['r1']],
    [0, 2, ['r1', 'r2']],
    [0, 10, ['r1', 'r2', 's1', 's2', 's3']],
    [1, 2, ['r2', 's1']],
    [2, 2, ['s1', 's2']],
    [4, 10, ['s3']],
    [5, 10, []],
  ])('from %i, %i items: %j', async (offset, limit, expected) => {
    expect(await ids(offset, limit)).toEqual(expected);
  });

  it('reads no stored chunk for a page of reopened items only, nor without a stored generation', async () => {
    await ids(0, 2);
    expect(slices).toEqual([]);
    expect(
      (await service.failingItems({ ...check, generation: null }, 0, 10)).map((i) => i.sourceId),
    ).toEqual(['r1', 'r2']);
    expect(slices).toEqual([]);
  });

  it('answers from the preview kept in the summary without a read, and reads chunks only past it', async () => {
    const previewed = { ...check, failingPreview: stored.slice(0, 2) };
    const page = async (offset: number, limit: number) =>
      (await service.failingItems(previewed, offset, limit)).map((i) => i.sourceId);
    expect(await page(0, 4)).toEqual(['r1', 'r2', 's1', 's2']);
    expect(await page(3, 1)).toEqual(['s2']);
    expect(slices).toEqual([]);
    expect(await page(3, 2)).toEqual(['s2', 's3']);
    expect(slices).toEqual([[1, 2]]);
  });

  it('reads nothing when the preview holds every stored item', async () => {
    const whole = { ...check, failingPreview: stored };
    expect((await service.failingItems(whole, 0, 10)).map((i) => i.sourceId)).toEqual([
      'r1',
      'r2',
      's1',
      's2',
      's3',
    ]);
    expect(slices).toEqual([]);
  });
});

describe('CoverageService.failingItems of a check computed at an instant (every failing item carried, nothing stored)', () => {
  const service = new CoverageService(
    ...(Array.from({ length: 10 }) as unknown as ConstructorParameters<typeof CoverageService>),
  );
  const computed: CheckReport = {
    key: 'mfa_enrolled',
    title: 'Every active user has MFA',
    control: 'CC6.1',
    status: 'FAIL',
    reason: '30 of 40 fail',
    excepted: [],
    evaluated: 40,
    failingCount: 30,
    reopened: [],
    failingPreview: [],
    generation: null,
    allFailing: Array.from({ length: 30 }, (_, i) => item(`u${i}`)),
  };

  it('pages through them past the preview, without a repository', async () => {
    const page = await service.failingItems(computed, 25, 10);
    expect(page.map((i) => i.sourceId)).toEqual(['u25', 'u26', 'u27', 'u28', 'u29']);
  });
});
