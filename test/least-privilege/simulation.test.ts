/**
 * Each execution role of template.yaml, evaluated by `@cloud-copilot/iam-simulate` as AWS would: every call its
 * function makes is allowed, and nothing else is (other functions' calls, a sample of unrelated calls, calls singled
 * out for one function).
 */
import { SIMULATED_PARTITIONS, simulatedDeployment } from '../support/simulated-deployment';
import { accountOfArn, simulateRequest } from '../support/simulate';
import { loadExecutionRolePolicies, type ExecutionRolePolicies } from '../../local/template-policies';
import { loadTemplate } from '../../local/template';
import { MANAGED_BY_TAG_KEY } from '../../shared/iam/ownership';
import {
  EXTERNAL_ID,
  datadogRoleDuringValidation,
  expectedCalls,
  forbiddenCalls,
  forbiddenCallsOf,
  sampleResource,
  type ExpectedCall,
} from './handler-calls';

const template = loadTemplate();

describe.each(SIMULATED_PARTITIONS)('Execution roles of template.yaml in partition %s', (partition) => {
  const deployment = simulatedDeployment(template, partition);
  const environment = { template, deployment };
  const roles = loadExecutionRolePolicies(template, deployment.resolution);
  const table = expectedCalls(environment);

  /** Simulates a call made by the role's function (or the state machine) with its own credentials. */
  const simulate = (role: ExecutionRolePolicies, call: Omit<ExpectedCall, 'purpose'>, resource = sampleResource(call)) =>
    simulateRequest({
      principalArn: deployment.sessionArn(
        role.roleLogicalId,
        role.kind === 'function' ? `${deployment.names.stackName}-${role.logicalId}` : 'onboarding-execution',
      ),
      identityPolicies: role.policies.map((loaded) => ({ name: loaded.name, policy: loaded.policy })),
      action: call.action,
      resourceArn: resource,
      resourcePolicy: call.resourcePolicy,
      context: call.context,
      principalOrgId: deployment.organizationOf(deployment.names.accountId),
      resourceOrgId: deployment.organizationOf(accountOfArn(resource) ?? deployment.names.accountId),
    });

  const cases = roles.map((role) => [role.logicalId, role] as const);

  it.each(cases)('allow %s every call it makes', async (logicalId, role) => {
    // Act
    const decisions = await Promise.all(table[logicalId].map(async (call) => [call.action, call.resource, await simulate(role, call)]));

    // Assess
    expect(decisions).toEqual(table[logicalId].map((call) => [call.action, call.resource, 'Allowed']));
  });

  it.each(cases)("deny %s the other functions' calls", async (logicalId, role) => {
    // Prepare
    const own = table[logicalId];
    const others = Object.entries(table)
      .filter(([owner]) => owner !== logicalId)
      .flatMap(([, calls]) => calls)
      .filter((call) => !own.some((mine) => mine.action === call.action && mine.resource === call.resource));

    // Act
    const allowed = [];
    for (const call of others) {
      if ((await simulate(role, call)) === 'Allowed') allowed.push(`${call.action} ${call.resource}`);
    }

    // Assess
    expect(others.length).toBeGreaterThan(0);
    expect(allowed).toEqual([]);
  });

  it.each(cases)('deny %s a sample of unrelated calls', async (logicalId, role) => {
    // Prepare: a sample the role's own table makes (the reconciliation stops the onboarding executions it runs with
    // startExecution.sync:2) is not unrelated to it.
    const own = table[logicalId];
    const ownPattern = (call: ExpectedCall) =>
      new RegExp(
        `^${call.resource
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      );
    const samples = forbiddenCalls(environment).filter(
      (call) => !own.some((mine) => mine.action === call.action && ownPattern(mine).test(call.resource)),
    );

    // Act
    const allowed = [];
    for (const call of samples) {
      if ((await simulate(role, call, call.resource)) === 'Allowed') allowed.push(`${call.action} ${call.resource} (${call.why})`);
    }

    // Assess
    expect(allowed).toEqual([]);
  });

  it('single out forbidden calls only for functions of the template', () => {
    // Act
    const owners = Object.keys(forbiddenCallsOf(environment));

    // Assess
    expect(owners.filter((owner) => !roles.some((role) => role.logicalId === owner))).toEqual([]);
  });

  it.each(cases.filter(([logicalId]) => logicalId in forbiddenCallsOf(environment)))(
    'deny %s the calls singled out for it',
    async (logicalId, role) => {
      // Prepare
      const samples = forbiddenCallsOf(environment)[logicalId];

      // Act
      const allowed = [];
      for (const call of samples) {
        if ((await simulate(role, call, call.resource)) === 'Allowed') allowed.push(`${call.action} ${call.resource} (${call.why})`);
      }

      // Assess
      expect(samples.length).toBeGreaterThan(0);
      expect(allowed).toEqual([]);
    },
  );

  describe('ValidateRoleFunction', () => {
    const validator = roles.find((role) => role.logicalId === 'ValidateRoleFunction')!;
    const datadogRole = datadogRoleDuringValidation(environment);
    const assume = (tags: Record<string, string>) =>
      simulate(validator, {
        action: 'sts:AssumeRole',
        resource: datadogRole.arn,
        resourcePolicy: datadogRole.trustPolicy,
        context: { ...tags, 'sts:ExternalId': EXTERNAL_ID },
      });

    it('may assume the Datadog role while it carries the managed-by tag of this tool', async () => {
      // Act
      const decision = await assume(datadogRole.tags);

      // Assess
      expect(decision).toBe('Allowed');
    });

    it.each([
      ['no tag', {}],
      ['the tag with another value', { [`aws:ResourceTag/${MANAGED_BY_TAG_KEY}`]: 'someone-else' }],
      ['another tag', { 'aws:ResourceTag/owner': 'datadog-aws-account-onboarding' }],
    ])('may not assume the Datadog role with %s', async (_, tags) => {
      // Act
      const decision = await assume(tags);

      // Assess
      expect(decision).toBe('ImplicitlyDenied');
    });
  });
});
