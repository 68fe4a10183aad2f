/**
 * Helpers shared by the tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { OnboardingTarget } from '../shared/onboarding/target';

/** Root of the repository. */
export const ROOT = path.resolve(__dirname, '..');

/** Reads a JSON file of `events/`. */
export function sampleEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, 'events', name), 'utf8')) as Record<string, unknown>;
}

/** A resolved target for account 444455556666 with the template's defaults. */
export function aTarget(overrides: Partial<OnboardingTarget> = {}): OnboardingTarget {
  return {
    accountId: '444455556666',
    partition: 'aws',
    datadogSite: 'datadoghq.com',
    authType: 'role',
    roleName: 'DatadogIntegrationRole',
    policyName: 'DatadogIntegrationPolicy',
    memberAccessRoleName: 'OrganizationAccountAccessRole',
    attachSecurityAudit: true,
    ...overrides,
  };
}
