import { needsAncestors, scopeOf, type Scope } from '../../../shared/onboarding/scope';

const MANAGEMENT = '123412341234';
const ROOT = 'r-ab12';
const WORKLOADS = 'ou-ab12-11111111';
const PROD = 'ou-ab12-22222222'; // under WORKLOADS
const SANDBOX = 'ou-ab12-33333333';
const all: Scope = {
  includeOrganizationalUnits: [],
  excludeOrganizationalUnits: [],
  excludeAccounts: [],
  managementAccountId: MANAGEMENT,
  onboardManagementAccount: false,
};
const reasonOf = (decision: ReturnType<typeof scopeOf>) => (decision.inScope ? undefined : decision.reason);
const inProd = { accountId: '210987654321', ancestorIds: [PROD, WORKLOADS, ROOT] };
const inSandbox = { accountId: '210987654322', ancestorIds: [SANDBOX, ROOT] };
const atRoot = { accountId: '210987654323', ancestorIds: [ROOT] };

describe('scopeOf', () => {
  it('takes every account by default, but not the management account', () => {
    expect(scopeOf(inProd, all)).toEqual({ inScope: true });
    expect(scopeOf(atRoot, all)).toEqual({ inScope: true });
    expect(scopeOf({ accountId: MANAGEMENT, ancestorIds: [ROOT] }, all)).toEqual({
      inScope: false,
      reason: 'the management account is onboarded only with OnboardManagementAccount=true',
    });
    expect(scopeOf({ accountId: MANAGEMENT, ancestorIds: [ROOT] }, { ...all, onboardManagementAccount: true })).toEqual({ inScope: true });
  });

  it('includes accounts of nested OUs: an OU is any ancestor', () => {
    const scope = { ...all, includeOrganizationalUnits: [WORKLOADS] };
    expect(scopeOf(inProd, scope)).toEqual({ inScope: true });
    expect(scopeOf(inSandbox, scope)).toEqual({ inScope: false, reason: `not under any IncludeOrganizationalUnits (${WORKLOADS})` });
    expect(scopeOf(atRoot, scope).inScope).toBe(false);
    expect(scopeOf(atRoot, { ...all, includeOrganizationalUnits: [ROOT] })).toEqual({ inScope: true });
  });

  it('names five of many IncludeOrganizationalUnits in its reason, and how many more', () => {
    const included = Array.from({ length: 60 }, (_, index) => `ou-ab12-${String(index).padStart(8, '0')}`);
    expect(scopeOf(inSandbox, { ...all, includeOrganizationalUnits: included })).toEqual({
      inScope: false,
      reason: `not under any IncludeOrganizationalUnits (${included.slice(0, 5).join(', ')} and 55 more)`,
    });
  });

  it('excludes accounts of nested OUs', () => {
    const scope = { ...all, excludeOrganizationalUnits: [SANDBOX, WORKLOADS] };
    expect(scopeOf(inProd, scope)).toEqual({ inScope: false, reason: `OU ${WORKLOADS} is excluded by ExcludeOrganizationalUnits` });
    expect(scopeOf(inSandbox, scope)).toEqual({ inScope: false, reason: `OU ${SANDBOX} is excluded by ExcludeOrganizationalUnits` });
    expect(scopeOf(atRoot, scope)).toEqual({ inScope: true });
  });

  it('lets exclusions win: account over management over OU exclusion over inclusion', () => {
    const everything: Scope = {
      includeOrganizationalUnits: [WORKLOADS],
      excludeOrganizationalUnits: [PROD],
      excludeAccounts: [inProd.accountId, MANAGEMENT],
      managementAccountId: MANAGEMENT,
      onboardManagementAccount: true,
    };
    expect(scopeOf(inProd, everything)).toEqual({ inScope: false, reason: `account ${inProd.accountId} is excluded by ExcludeAccounts` });
    expect(reasonOf(scopeOf({ accountId: MANAGEMENT, ancestorIds: [PROD, WORKLOADS, ROOT] }, everything))).toMatch(/ExcludeAccounts/);
    const management = { accountId: MANAGEMENT, ancestorIds: [PROD, WORKLOADS, ROOT] };
    expect(reasonOf(scopeOf(management, { ...everything, excludeAccounts: [], onboardManagementAccount: false }))).toMatch(
      /OnboardManagementAccount/,
    );
    expect(scopeOf({ ...inProd, accountId: '999988887777' }, everything)).toEqual({
      inScope: false,
      reason: `OU ${PROD} is excluded by ExcludeOrganizationalUnits`,
    });
    expect(scopeOf({ accountId: '999988887777', ancestorIds: [WORKLOADS, ROOT] }, everything)).toEqual({ inScope: true });
  });

  it('reads ancestors only when an OU rule needs them', () => {
    expect(needsAncestors(all)).toBe(false);
    expect(needsAncestors({ ...all, excludeAccounts: ['210987654321'] })).toBe(false);
    expect(needsAncestors({ ...all, includeOrganizationalUnits: [ROOT] })).toBe(true);
    expect(needsAncestors({ ...all, excludeOrganizationalUnits: [SANDBOX] })).toBe(true);
  });
});
