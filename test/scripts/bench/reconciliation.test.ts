/**
 * The reconciliation bench: the rate-limit bound, the ratio to it, the goals read from the rows, the options, and one
 * small organization through the same path as `npm run bench -- reconciliation`.
 */
import {
  formatGoals,
  judgeGoals,
  measureOrganization,
  parseReconciliationOptions,
  rateLimitBoundSeconds,
  ratioToBound,
  type ReconciliationRow,
} from '../../../scripts/bench/reconciliation';

const row = (overrides: Partial<ReconciliationRow>): ReconciliationRow => ({
  accounts: 1000,
  scenario: 'backfill',
  outcome: 'reconciled',
  counts: { onboard: 1000, repair: 0, offboard: 0, none: 0, skip: 1, failed: 0 },
  wallSeconds: 100,
  virtualSeconds: 600,
  boundSeconds: 500,
  ratio: 1.2,
  datadogRequests: 3000,
  throttled: 0,
  mutatingCalls: 9000,
  s3Writes: 4,
  awsCallsPerAccount: 20,
  peakRssMb: 500,
  ...overrides,
});

describe('Function: rateLimitBoundSeconds', () => {
  it('divides the answered requests of each limit group by its rate and takes the largest group', () => {
    // Act: writes 100 + 20 answered (30 refused), reads 50; 60 per 10 s.
    const bound = rateLimitBoundSeconds(
      {
        CreateAWSAccount: { total: 130, throttled: 30 },
        CreateNewAWSExternalID: { total: 20, throttled: 0 },
        ListAWSAccounts: { total: 50, throttled: 0 },
        Unknown: { total: 999, throttled: 0 },
      },
      { requests: 60, seconds: 10 },
    );

    // Assess: 120 writes at 6 per second.
    expect(bound).toBeCloseTo(20, 10);
  });

  it('is 0 without requests, and uses the given limit', () => {
    expect(rateLimitBoundSeconds({})).toBe(0);
    expect(rateLimitBoundSeconds({ ListAWSAccounts: { total: 10, throttled: 0 } }, { requests: 1, seconds: 10 })).toBe(100);
  });
});

describe('Function: ratioToBound', () => {
  it('is virtual time over the bound, undefined for a bound of 0', () => {
    expect(ratioToBound(120, 100)).toBeCloseTo(1.2, 10);
    expect(ratioToBound(5, 0)).toBeUndefined();
  });
});

describe('Function: judgeGoals', () => {
  it('meets every goal at the limits (1.2×, 0 mutating, 3 requests, 300 s)', () => {
    // Act
    const verdicts = judgeGoals([
      row({}),
      row({ scenario: 'converged', mutatingCalls: 0, datadogRequests: 3, wallSeconds: 300, ratio: undefined }),
    ]);

    // Assess
    expect(verdicts.map((verdict) => verdict.met)).toEqual([true, true, true]);
    expect(formatGoals(verdicts)[0]).toMatch(/^met {4} {2}backfill of 1000 within 1\.2× the rate-limit bound, no failed account: 1\.20×/);
  });

  it('fails each goal just past its limit, and a backfill with a failed account', () => {
    // Act
    const verdicts = judgeGoals([
      row({ ratio: 1.21 }),
      row({ accounts: 10000, counts: { onboard: 9999, repair: 0, offboard: 0, none: 0, skip: 1, failed: 1 }, outcome: 'failed' }),
      row({ scenario: 'converged', mutatingCalls: 1, datadogRequests: 2 }),
      row({ scenario: 'converged', accounts: 10000, mutatingCalls: 0, datadogRequests: 4 }),
      row({ scenario: 'drifted', wallSeconds: 300.5 }),
    ]);

    // Assess
    expect(verdicts.map((verdict) => [verdict.goal.slice(0, 30), verdict.met])).toEqual([
      ['backfill of 1000 within 1.2× t', false],
      ['backfill of 10000 within 1.2× ', false],
      ['converged fleet of 1000: 0 mut', false],
      ['converged fleet of 10000: 0 mu', false],
      ['each 1,000-account run finishe', false],
    ]);
    expect(verdicts[4].measured).toBe('slowest drifted 300.5 s');
    expect(formatGoals(verdicts).every((line) => line.startsWith('NOT met'))).toBe(true);
  });

  it('does not count a failed 1,000-account run as finished in time', () => {
    const [, , wall] = judgeGoals([
      row({ outcome: 'failed', wallSeconds: 90 }),
      row({ scenario: 'converged', mutatingCalls: 0, datadogRequests: 2 }),
    ]);
    expect(wall).toMatchObject({ met: false, measured: 'slowest converged 100.0 s; backfill failed' });
  });
});

describe('Function: parseReconciliationOptions', () => {
  it('takes --accounts sizes, default 1,000 and 10,000', () => {
    expect(parseReconciliationOptions([])).toEqual({ sizes: [1000, 10000] });
    expect(parseReconciliationOptions(['--accounts', '1000', '--accounts', '20'])).toEqual({ sizes: [1000, 20] });
    expect(parseReconciliationOptions(['--accounts', '20', '--max-concurrency', '100'])).toEqual({ sizes: [20], maxConcurrency: 100 });
  });

  it.each([
    [['--accounts', '0']],
    [['--accounts', '1e3']],
    [['--accounts', 'many']],
    [['--sizes', '3']],
    [['1000']],
    [['--max-concurrency', '0']],
    [['--max-concurrency', 'x']],
  ])('refuses %j in one line', (args) => {
    expect(() => parseReconciliationOptions(args)).toThrow(/^reconciliation: [^\n]+$/);
  });
});

describe('Function: measureOrganization', () => {
  it('backfills 4 accounts, finds them converged, then repairs the drifted one and offboards the closed one', async () => {
    // Act
    const lines: string[] = [];
    const rows = await measureOrganization(4, (line) => lines.push(line));

    // Assess
    expect(rows.map(({ scenario, outcome }) => [scenario, outcome])).toEqual([
      ['backfill', 'reconciled'],
      ['converged', 'reconciled'],
      ['drifted', 'reconciled'],
    ]);
    const [backfill, converged, drifted] = rows;
    expect(backfill.counts).toMatchObject({ onboard: 4, failed: 0 });
    expect(backfill.boundSeconds).toBeGreaterThan(0);
    expect(backfill.ratio).toBeCloseTo(backfill.virtualSeconds / backfill.boundSeconds, 10);
    expect(backfill.awsCallsPerAccount).toBeGreaterThan(1);
    expect(converged).toMatchObject({ mutatingCalls: 0, counts: { none: 4, failed: 0 } });
    expect(converged.datadogRequests).toBeLessThanOrEqual(3);
    // Account 0 drifts (its recorded policy is stale), account 1 is closed.
    expect(drifted.counts).toMatchObject({ repair: 1, offboard: 1, none: 2, failed: 0 });
    expect(drifted.mutatingCalls).toBeGreaterThan(0);
    expect(rows.every((measured) => measured.peakRssMb > 0 && measured.wallSeconds > 0)).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ {7}4 backfill {3}reconciled/);
  }, 300_000);
});
