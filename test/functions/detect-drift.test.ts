/**
 * DetectDrift against the sandbox: an account onboarded by the local run is converged; a deleted trust statement, a
 * detached policy or a missing role turns `none` into `repair` with the reason. The function runs with the template's
 * environment and policies (local deployment).
 */
import { DetachRolePolicyCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { deployLocally } from '../../local/deployment';
import { localFunctionArn } from '../../local/functions';
import { localNames, newSandboxFor, runLocally } from '../../local/run';
import type { AwsSandbox } from '../../local/sandbox';
import { datadogTrustStatement } from '../helpers';

const MEMBER = '444455556666';
const ADMIN_OF_MEMBER = `arn:aws:sts::${MEMBER}:assumed-role/OrganizationAccountAccessRole/test`;

describe('Function: DetectDrift', () => {
  let sandbox: AwsSandbox;
  let externalId: string;

  beforeAll(async () => {
    sandbox = newSandboxFor({ accountId: MEMBER });
    const summary = await runLocally({ input: { accountId: MEMBER }, sandbox });
    expect(summary.outcome).toBe('onboarded');
    externalId = summary.datadog?.externalId ?? '';
  }, 120_000);

  /** Runs DetectDrift on a converged plan item, after `change` (made as the member account's administrator). */
  async function detect(change?: (iam: IAMClient) => Promise<unknown>, roleName = 'DatadogIntegrationRole') {
    const names = localNames({ accountId: MEMBER }, sandbox);
    const deployment = await deployLocally({ sandbox, names });
    sandbox.install();
    try {
      if (change) await sandbox.asPrincipal(ADMIN_OF_MEMBER, () => change(new IAMClient({ region: 'us-east-1' })));
      return (await deployment.functions.invoke(localFunctionArn(names, 'DetectDriftFunction'), {
        accountId: MEMBER,
        partition: 'aws',
        action: 'none',
        reason: 'converged',
        expected: { authType: 'role', roleName, externalId },
        dryRun: false,
      })) as { action: string; reason: string };
    } finally {
      sandbox.restore();
      await deployment.close();
    }
  }

  it('leaves a converged account as none', async () => {
    expect(await detect()).toMatchObject({ action: 'none', reason: 'converged' });
  });

  // One account drifting step by step (each check is reached only when the ones before it pass).
  it('repairs an account whose integration policy was detached, whose trust policy changed, whose role is missing', async () => {
    const policyArn = `arn:aws:iam::${MEMBER}:policy/DatadogIntegrationPolicy`;
    expect(
      await detect((iam) => iam.send(new DetachRolePolicyCommand({ RoleName: 'DatadogIntegrationRole', PolicyArn: policyArn }))),
    ).toMatchObject({
      action: 'repair',
      reason: 'the integration policy DatadogIntegrationPolicy is not attached to DatadogIntegrationRole',
    });
    const result = await detect((iam) =>
      iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: 'DatadogIntegrationRole',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [datadogTrustStatement('someone-elses-id')],
          }),
        }),
      ),
    );
    expect(result).toMatchObject({ action: 'repair', reason: expect.stringContaining('no longer trusts Datadog') });
    // The role the record names is not in the account (the sandbox does not serve DeleteRole).
    const removed = await detect(undefined, 'DatadogRoleRenamed');
    expect(removed).toMatchObject({ action: 'repair', reason: 'the Datadog role DatadogRoleRenamed is missing' });
  });

  it('passes any other action through without calling AWS', async () => {
    const names = localNames({ accountId: MEMBER }, sandbox);
    const deployment = await deployLocally({ sandbox, names });
    const before = sandbox.mutatingCalls();
    try {
      const result = await deployment.functions.invoke(localFunctionArn(names, 'DetectDriftFunction'), {
        accountId: MEMBER,
        partition: 'aws',
        action: 'onboard',
        reason: 'not registered',
        expected: {},
        dryRun: true,
      });
      expect(result).toEqual({ accountId: MEMBER, partition: 'aws', action: 'onboard', reason: 'not registered', dryRun: true });
      expect(sandbox.mutatingCalls()).toEqual(before);
    } finally {
      await deployment.close();
    }
  });
});
