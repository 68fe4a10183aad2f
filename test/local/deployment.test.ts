/**
 * The local deployment of template.yaml: parameters resolved over the defaults, the functions' environment from
 * them, and, on request, every execution role holding exactly the template's policies.
 */
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { connect } from 'node:net';
import { deployLocally, type LocalDeployment } from '../../local/deployment';
import { createLocalAccountsTable, stopLocalDynamoDb, tableItems } from '../../local/dynamodb';
import { loadTemplate } from '../../local/template';
import type { LocalNames } from '../../local/functions';
import { AwsSandbox } from '../../local/sandbox';

const NAMES: LocalNames = { partition: 'aws-us-gov', region: 'us-gov-west-1', accountId: '111122223333', stackName: 'datadog-onboarding' };

async function deployed(
  options: Partial<Parameters<typeof deployLocally>[0]> = {},
): Promise<{ sandbox: AwsSandbox; deployment: LocalDeployment }> {
  const sandbox = new AwsSandbox({ managementAccountId: NAMES.accountId, partition: 'aws-us-gov' });
  const deployment = await deployLocally({ sandbox, names: NAMES, ...options });
  return { sandbox, deployment };
}

/** What a function's own role may do in IAM: create a user in the stack's account, as that function. */
async function createUserAs(deployment: LocalDeployment, sandbox: AwsSandbox, logicalId: string): Promise<string> {
  sandbox.install();
  try {
    return await deployment.functions.within(logicalId, () =>
      new IAMClient({ region: NAMES.region }).send(new CreateUserCommand({ UserName: 'not-the-template' })).then(
        () => 'created',
        (error: Error) => error.name,
      ),
    );
  } finally {
    sandbox.restore();
  }
}

describe('Function: deployLocally', () => {
  it('resolves parameters over the template defaults, in each function environment, with partition-aware ARNs', async () => {
    const { sandbox, deployment } = await deployed({
      parameters: { MemberAccessRoleName: 'CustomAccessRole' },
      keysSecretSuffix: 'AbCdEf',
    });
    try {
      sandbox.install();
      const environment = await deployment.functions.within('ResolveTargetFunction', async () => ({ ...process.env }));
      sandbox.restore();

      expect(deployment.parameter('MemberAccessRoleName')).toBe('CustomAccessRole');
      expect(deployment.parameter('ControlTowerAccessRoleName')).toBe('AWSControlTowerExecution');
      expect(environment).toMatchObject({
        MEMBER_ACCESS_ROLE_NAME: 'CustomAccessRole',
        CONTROL_TOWER_ACCESS_ROLE_NAME: 'AWSControlTowerExecution',
        AWS_REGION: 'us-gov-west-1',
      });
      expect(deployment.parameter('DatadogKeysSecretArn')).toBe(
        'arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:datadog-onboarding/datadog-keys-AbCdEf',
      );
      expect(deployment.resolution.resources.OnboardingStateMachine).toBe(
        'arn:aws-us-gov:states:us-gov-west-1:111122223333:stateMachine:datadog-onboarding-onboarding',
      );
    } finally {
      await deployment.close();
    }
  });

  it('enforces the template policies of SAM implicit roles only when asked', async () => {
    const open = await deployed();
    const enforced = await deployed({ enforceFunctionPolicies: true });
    try {
      // DescribeAccountRequest may only read Organizations: creating a user is outside its template policies.
      const withoutEnforcement = await createUserAs(open.deployment, open.sandbox, 'DescribeAccountRequestFunction');
      const withEnforcement = await createUserAs(enforced.deployment, enforced.sandbox, 'DescribeAccountRequestFunction');
      // The explicit ValidatorRole holds its template policies in both.
      const validator = await createUserAs(open.deployment, open.sandbox, 'ValidateRoleFunction');

      expect(withoutEnforcement).toBe('created');
      expect(withEnforcement).toBe('AccessDenied');
      expect(validator).toBe('AccessDenied');
      expect(enforced.sandbox.dump().accounts[NAMES.accountId].roles.map((role) => role.roleName)).toContain(
        'datadog-onboarding-DescribeAccountRequestFunctionRole',
      );
    } finally {
      await open.deployment.close();
      await enforced.deployment.close();
    }
  });
});

describe('Function: stopLocalDynamoDb', () => {
  /** Whether something accepts connections at an `http://127.0.0.1:PORT` endpoint. */
  const listening = (endpoint: string) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(Number(new URL(endpoint).port), '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });

  it('closes the server a test file started (left listening, it keeps the file in memory), and a later use starts another', async () => {
    // Prepare
    await createLocalAccountsTable(loadTemplate(), 'stop', [{ accountId: '123456789012' }]);
    const first = process.env.AWS_ENDPOINT_URL_DYNAMODB!;
    expect(await listening(first)).toBe(true);

    // Act
    await stopLocalDynamoDb();

    // Assess: closed, its endpoint no longer offered to the SDK; the next table is served by a new server.
    expect(await listening(first)).toBe(false);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined();
    const table = await createLocalAccountsTable(loadTemplate(), 'again', [{ accountId: '210987654321' }]);
    expect(await listening(process.env.AWS_ENDPOINT_URL_DYNAMODB!)).toBe(true);
    expect(await tableItems(table)).toEqual([{ accountId: '210987654321' }]);
  });
});
