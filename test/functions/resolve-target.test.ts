import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { acquireLease, getAccountRecord, releaseLease } from '../../shared/aws/account-records';
import { resolveTargetStep as resolveWithExecution } from '../../functions/resolve-target/index';
import { EXECUTION_TIMEOUT_SECONDS, LEASE_SECONDS } from '../../shared/steps/resolve-target';
import { aTarget, RESOLVE_TARGET_ENVIRONMENT } from '../helpers';
import { useAccountsTable } from '../support/dynamodb';

const EXECUTIONS = 'arn:aws:states:us-east-1:111122223333:execution:stack-onboarding';
const SELF = `${EXECUTIONS}:replay-1`;
let accountSeq = 100000000000;
/** An account of its own per test: the table is shared by the suite. */
const newAccount = () => String((accountSeq += 1));
const resolveTargetStep = (input: unknown, executionArn = SELF) => resolveWithExecution({ input, executionArn });
/** Step Functions, as the lease holders' statuses stand: an execution not listed is running. */
const sfn = mockClient(SFNClient);
const ended = new Map<string, ExecutionStatus | 'gone'>();

describe('Function: resolveTargetStep', () => {
  useAccountsTable();

  beforeEach(() => {
    Object.assign(process.env, RESOLVE_TARGET_ENVIRONMENT);
    ended.clear();
    sfn.reset();
    sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
      const status = ended.get(executionArn) ?? 'RUNNING';
      if (status === 'gone') throw new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
      return { executionArn, status };
    });
  });

  it("resolves a console replay input with the stack defaults and takes the account's lease", async () => {
    const before = Math.floor(Date.now() / 1000);
    await expect(resolveTargetStep({ accountId: '444455556666' })).resolves.toEqual({
      target: aTarget({ alternateMemberAccessRoleName: 'AWSControlTowerExecution' }),
      trigger: undefined,
      context: undefined,
      concurrentExecutionArn: null,
      action: 'onboard',
      // The shipped settings document's defaults.
      settings: { account_tags: [], metrics_config: { enabled: true }, resources_config: { extended_collection: true } },
    });
    const record = await getAccountRecord('444455556666');
    expect(record?.leaseHolder).toBe(SELF);
    expect(record?.leaseExpiresAt).toBeGreaterThanOrEqual(before + LEASE_SECONDS);
    expect(record?.leaseExpiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + LEASE_SECONDS);
  });

  it("outlives the execution: the lease lasts the state machine's TimeoutSeconds and a margin", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const definition = require('../../statemachine/onboarding.asl.json') as { TimeoutSeconds: number };
    expect(EXECUTION_TIMEOUT_SECONDS).toBe(definition.TimeoutSeconds);
    expect(LEASE_SECONDS).toBeGreaterThan(definition.TimeoutSeconds);
    expect(LEASE_SECONDS - definition.TimeoutSeconds).toBeLessThanOrEqual(900);
  });

  it('names the execution holding the lease, and that one alone goes ahead', async () => {
    const accountId = newAccount();
    const first = `${EXECUTIONS}:onboard-${accountId}`;
    const replay = `${EXECUTIONS}:operator-retry`;
    await expect(resolveTargetStep({ accountId }, first)).resolves.toMatchObject({ concurrentExecutionArn: null });
    await expect(resolveTargetStep({ accountId }, replay)).resolves.toMatchObject({ concurrentExecutionArn: first });
    // A retried ResolveTarget of the holder gets its lease again.
    await expect(resolveTargetStep({ accountId }, first)).resolves.toMatchObject({ concurrentExecutionArn: null });
  });

  it('lets exactly one of several executions racing for one account go ahead', async () => {
    const accountId = newAccount();
    const racers = Array.from({ length: 8 }, (_, index) => `${EXECUTIONS}:racer-${index}`);
    const results = await Promise.all(racers.map((arn) => resolveTargetStep({ accountId }, arn)));
    const ahead = racers.filter((_, index) => results[index].concurrentExecutionArn === null);
    expect(ahead).toHaveLength(1);
    expect(results.filter((result) => result.concurrentExecutionArn !== null).map((result) => result.concurrentExecutionArn)).toEqual(
      Array(7).fill(ahead[0]),
    );
    expect((await getAccountRecord(accountId))?.leaseHolder).toBe(ahead[0]);
  });

  it('takes over an expired lease, and goes ahead once the holder released it', async () => {
    const accountId = newAccount();
    const stale = `${EXECUTIONS}:timed-out`;
    await expect(acquireLease(accountId, stale, -1)).resolves.toEqual({ acquired: true });
    await expect(resolveTargetStep({ accountId })).resolves.toMatchObject({ concurrentExecutionArn: null });
    expect((await getAccountRecord(accountId))?.leaseHolder).toBe(SELF);

    const next = `${EXECUTIONS}:next`;
    await expect(resolveTargetStep({ accountId }, next)).resolves.toMatchObject({ concurrentExecutionArn: SELF });
    await releaseLease(accountId, SELF);
    await expect(resolveTargetStep({ accountId }, next)).resolves.toMatchObject({ concurrentExecutionArn: null });
  });

  it.each([['ABORTED'], ['TIMED_OUT'], ['gone']] as const)(
    'takes over the lease of a holder that ended without releasing it (%s), in one DescribeExecution',
    async (status) => {
      const accountId = newAccount();
      const stopped = `${EXECUTIONS}:stopped-${status}`;
      await acquireLease(accountId, stopped, LEASE_SECONDS);
      ended.set(stopped, status);

      await expect(resolveTargetStep({ accountId })).resolves.toMatchObject({ concurrentExecutionArn: null });

      expect((await getAccountRecord(accountId))?.leaseHolder).toBe(SELF);
      expect(sfn.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input.executionArn)).toEqual([stopped]);
    },
  );

  it('leaves the lease to a holder that still runs, and lets one of several executions take over an ended one', async () => {
    const accountId = newAccount();
    const stopped = `${EXECUTIONS}:stopped`;
    await acquireLease(accountId, stopped, LEASE_SECONDS);
    ended.set(stopped, 'ABORTED');
    const racers = Array.from({ length: 6 }, (_, index) => `${EXECUTIONS}:after-stop-${index}`);

    const results = await Promise.all(racers.map((arn) => resolveTargetStep({ accountId }, arn)));

    const ahead = racers.filter((_, index) => results[index].concurrentExecutionArn === null);
    expect(ahead).toHaveLength(1);
    expect(results.filter((result) => result.concurrentExecutionArn !== null).map((result) => result.concurrentExecutionArn)).toEqual(
      Array(5).fill(ahead[0]),
    );
    expect((await getAccountRecord(accountId))?.leaseHolder).toBe(ahead[0]);
  });

  it('takes no lease for input it refuses', async () => {
    const accountId = newAccount();
    await expect(resolveTargetStep({ accountId, roleName: 'OtherRole' })).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(getAccountRecord(accountId)).resolves.toBeUndefined();
  });

  it.each([
    ['a Control Tower event', 'aws.controltower', 'AWSControlTowerExecution', 'OrganizationAccountAccessRole'],
    ['an Organizations event', 'aws.organizations', 'OrganizationAccountAccessRole', 'AWSControlTowerExecution'],
  ])('tries the role %s hints first, then the other configured one', async (_, source, first, alternate) => {
    const result = await resolveTargetStep({
      accountId: '444455556666',
      trigger: { source, eventName: 'CreateManagedAccount', eventId: 'e', region: 'us-east-1', time: 't' },
    });
    expect(result.target).toMatchObject({ memberAccessRoleName: first, alternateMemberAccessRoleName: alternate });
  });

  it('has no alternate when both parameters name one role', async () => {
    process.env.CONTROL_TOWER_ACCESS_ROLE_NAME = 'OrganizationAccountAccessRole';
    const result = await resolveTargetStep({ accountId: '444455556666' });
    expect(result.target.memberAccessRoleName).toBe('OrganizationAccountAccessRole');
    expect(result.target).not.toHaveProperty('alternateMemberAccessRoleName');
  });

  it('applies the overrides an operator may type', async () => {
    const result = await resolveTargetStep({
      accountId: '444455556666',
      datadogSite: 'datadoghq.eu',
      roleName: 'DatadogIntegrationRole',
      memberAccessRoleName: 'AWSControlTowerExecution',
    });
    expect(result.target).toMatchObject({
      datadogSite: 'datadoghq.eu',
      roleName: 'DatadogIntegrationRole',
      memberAccessRoleName: 'AWSControlTowerExecution',
      alternateMemberAccessRoleName: 'OrganizationAccountAccessRole',
    });
  });

  it.each([
    [{ accountId: '4444' }, 'execution input accountId: must be a 12-digit AWS account id'],
    [{}, 'execution input accountId: Invalid input: expected string, received undefined'],
    [{ accountId: '444455556666', acountTags: 'x' }, 'execution input (top level): Unrecognized key: "acountTags"'],
    [{ accountId: '444455556666', datadogSite: 'datadoghq.xyz' }, 'execution input datadogSite: Invalid option'],
    [
      { accountId: '444455556666', memberAccessRoleName: 'Admin' },
      'execution input memberAccessRoleName: must be OrganizationAccountAccessRole or AWSControlTowerExecution',
    ],
    [{ accountId: '444455556666', roleName: 'OtherRole' }, 'execution input roleName: must be DatadogIntegrationRole'],
  ])('rejects %j in one line naming the field', async (input, message) => {
    await expect(resolveTargetStep(input)).rejects.toThrow(message);
    await expect(resolveTargetStep(input)).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  it('resolves GovCloud to access keys on a commercial site and to role delegation on a gov site', async () => {
    await expect(resolveTargetStep({ accountId: '444455556666', partition: 'aws-us-gov' })).resolves.toMatchObject({
      target: { authType: 'access_keys' },
    });
    await expect(
      resolveTargetStep({ accountId: '444455556666', partition: 'aws-us-gov', datadogSite: 'ddog-gov.com' }),
    ).resolves.toMatchObject({ target: { authType: 'role' } });
  });
});
