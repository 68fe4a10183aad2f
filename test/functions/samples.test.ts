/**
 * Every sample input works as the README says: `sam local invoke FUNCTION -e SAMPLE --env-vars
 * events/sam-local-env.json`, reproduced with the real handler of the template's function, the environment the SAM
 * CLI would give it (test/support/sam-local.ts), and, instead of your AWS account, the sandbox holding exactly the
 * organization the samples describe (README): its accounts, member access roles, secrets, the stack's validator role,
 * and the local Datadog holding the registrations the samples name. The samples must agree with one another and with
 * that organization: an account id, role, external ID or secret ARN one of them names differently makes its
 * function fail here.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DatadogAccountRecord, LocalDatadogServer } from '../../local/datadog/server';
import { deployLocally, stackParameters } from '../../local/deployment';
import type { LocalNames } from '../../local/functions';
import { accessRolesOf, seedMemberAccount, type StackContext } from '../../local/organization';
import { AwsSandbox } from '../../local/sandbox';
import { loadEnvVarsFile, samLocalEnvironment } from '../support/sam-local';
import { LocalExecutions } from '../../local/step-functions';
import { loadTemplate, templateFunctions } from '../../local/template';
import { MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE } from '../../shared/iam/ownership';
import { ACCOUNT_TAG_KEY, PARTITION_TAG_KEY, readersOnlyPolicy } from '../../shared/onboarding/access-key-secret';
import { ROTATION_STEPS } from '../../shared/onboarding/rotate-access-key';
import {
  detectDriftInputSchema,
  planReconciliationInputSchema,
  reportReconciliationInputSchema,
} from '../../shared/onboarding/step-inputs';
import { ROOT } from '../helpers';

/** The organization the samples describe (README, "Running one function with `sam local invoke`"). */
const ORGANIZATION = {
  names: { partition: 'aws', region: 'us-east-1', accountId: '111122223333', stackName: 'datadog-onboarding' } satisfies LocalNames,
  stateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:datadog-onboarding-onboarding',
  controlTowerAccount: { accountId: '444455556666', accountName: 'LifeCycle1' },
  govCloudAccount: '777788889999',
  govCloudRequest: { id: 'car-examplegovcloudrequestid333', commercialAccountId: '333344445555' },
  externalId: '0123456789abcdef0123456789abcdef',
  datadogKeysSecret: { name: 'datadog-onboarding/datadog-keys', suffix: 'AbCdEf' },
  accessKeySecret: { name: 'datadog-onboarding/datadog-access-keys/777788889999', suffix: 'AbCdEf' },
  datadogUserName: 'DatadogIntegrationUser',
} as const;

const ENV_VARS_FILE = path.join(ROOT, 'events', 'sam-local-env.json');
const template = loadTemplate();
const functions = templateFunctions(template);

function sample(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, 'events', file), 'utf8')) as Record<string, unknown>;
}

function registration(
  attributes: Pick<DatadogAccountRecord['attributes'], 'aws_account_id' | 'aws_partition' | 'auth_config'>,
): DatadogAccountRecord {
  const now = new Date().toISOString();
  return { id: randomUUID(), type: 'account', attributes: { ...attributes, created_at: now, modified_at: now } };
}

/** The organization, deployed: the sandbox, the local Datadog, the stack's functions and executions. */
interface SampleWorld {
  sandbox: AwsSandbox;
  datadog: LocalDatadogServer;
  executions: LocalExecutions;
  /** Registrations the local Datadog started with. */
  registrations: { role: DatadogAccountRecord; accessKey?: DatadogAccountRecord };
  /** The GovCloud user's access key id, when the world has it. */
  accessKeyId?: string;
  /** `sam local invoke LOGICAL_ID -e <event> --env-vars events/sam-local-env.json`. */
  invoke(logicalId: string, event: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Builds the organization of the samples.
 *
 * @param accessKeyProvisioned - whether the GovCloud account already has the Datadog user, its key and the key secret,
 *   as ProvisionAccessKey leaves them (the state the access-key validation and the rotation start from).
 */
async function sampleWorld(accessKeyProvisioned: boolean): Promise<SampleWorld> {
  const { names } = ORGANIZATION;
  const envVars = loadEnvVarsFile(ENV_VARS_FILE);
  const sandbox = new AwsSandbox({ managementAccountId: names.accountId, partition: 'aws' });
  const stack: StackContext = { names, parameter: stackParameters(template) };
  const { controlTowerAccount } = ORGANIZATION;
  seedMemberAccount(sandbox, stack, { ...controlTowerAccount, partition: 'aws', accessRoleNames: accessRolesOf(stack, 'control-tower') });
  seedMemberAccount(sandbox, stack, {
    accountId: ORGANIZATION.govCloudAccount,
    partition: 'aws-us-gov',
    accessRoleNames: accessRolesOf(stack, 'organizations'),
  });
  sandbox.addCreateAccountStatus({
    id: ORGANIZATION.govCloudRequest.id,
    state: 'SUCCEEDED',
    accountId: ORGANIZATION.govCloudRequest.commercialAccountId,
    govCloudAccountId: ORGANIZATION.govCloudAccount,
  });

  const registrations: SampleWorld['registrations'] = {
    role: registration({
      aws_account_id: ORGANIZATION.controlTowerAccount.accountId,
      aws_partition: 'aws',
      auth_config: { role_name: 'DatadogIntegrationRole', external_id: ORGANIZATION.externalId },
    }),
  };
  let accessKeyId: string | undefined;
  if (accessKeyProvisioned) {
    const gov = ORGANIZATION.govCloudAccount;
    const ownership = { [MANAGED_BY_TAG_KEY]: MANAGED_BY_TAG_VALUE };
    const permissions = sample('functions/provision-access-key.json').permissions as string[];
    const policyArn = sandbox.putPolicy(
      gov,
      'DatadogIntegrationPolicy',
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: permissions, Resource: '*' }] },
      { tags: ownership },
    );
    sandbox.putUser(gov, ORGANIZATION.datadogUserName, { attachedPolicyArns: [policyArn], tags: ownership });
    const key = sandbox.putAccessKey(gov, ORGANIZATION.datadogUserName);
    accessKeyId = key.accessKeyId;
    // Readable only by the roles ProvisionAccessKey names under sam local invoke, as it would have stored it.
    const readers = envVars.ProvisionAccessKeyFunction?.ACCESS_KEY_READER_ARNS?.split(',');
    if (!readers) throw new Error('events/sam-local-env.json gives ProvisionAccessKeyFunction no ACCESS_KEY_READER_ARNS');
    sandbox.putSecret(ORGANIZATION.accessKeySecret.name, JSON.stringify(key), {
      suffix: ORGANIZATION.accessKeySecret.suffix,
      tags: { ...ownership, [ACCOUNT_TAG_KEY]: gov, [PARTITION_TAG_KEY]: 'aws-us-gov' },
      resourcePolicy: JSON.parse(readersOnlyPolicy(readers)) as object,
    });
    registrations.accessKey = registration({
      aws_account_id: gov,
      aws_partition: 'aws-us-gov',
      auth_config: { access_key_id: key.accessKeyId },
    });
  }

  const deployment = await deployLocally({
    sandbox,
    names,
    template,
    keysSecretSuffix: ORGANIZATION.datadogKeysSecret.suffix,
    datadogSite: 'datadoghq.com',
    datadogAccounts: Object.values(registrations),
    environmentOf: (fn) => samLocalEnvironment(template, fn, envVars, { LogLevel: 'SILENT' }),
  });
  const { functions: local } = deployment;
  const datadog = deployment.datadog!;
  const executions = new LocalExecutions(ORGANIZATION.stateMachineArn);
  sandbox.install();
  executions.install();
  return {
    sandbox,
    datadog,
    executions,
    registrations,
    accessKeyId,
    invoke: (logicalId, event) => local.invoke(local.arnOf(logicalId), event),
    close: async () => {
      executions.restore();
      sandbox.restore();
      await deployment.close();
    },
  };
}

let world: SampleWorld | undefined;
async function newWorld(accessKeyProvisioned = false): Promise<SampleWorld> {
  world = await sampleWorld(accessKeyProvisioned);
  return world;
}
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** What a validation step returns when the role or key works at its first attempt. */
const PASSED_AT_FIRST_ATTEMPT = {
  assumable: true,
  attempts: 1,
  waitedSeconds: expect.any(Number),
  waitSeconds: 0,
  startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
};

const roleTarget = (sample('functions/look-up-registration.json') as { target: Record<string, unknown> }).target;

describe('Samples: one for each function', () => {
  it('events/functions holds one sample per function the lifecycle events do not trigger, named after its folder', () => {
    const expected = functions
      .filter((fn) => Object.keys(fn.eventPatterns).length === 0)
      .map((fn) => `${path.basename(path.dirname(fn.entryPoint))}.json`)
      .sort();
    expect(readdirSync(path.join(ROOT, 'events', 'functions')).sort()).toEqual(expected);
  });
});

describe('Samples: the reconciliation steps', () => {
  // Their functions run inside the reconciliation (test/local/reconcile.test.ts); here their samples stay valid inputs.
  it.each([
    ['plan-reconciliation.json', planReconciliationInputSchema],
    ['detect-drift.json', detectDriftInputSchema],
    ['report-reconciliation.json', reportReconciliationInputSchema],
  ] as const)('functions/%s is a valid input of its step', (file, schema) => {
    expect(schema.safeParse(sample(`functions/${file}`)).error).toBeUndefined();
  });
});

describe('Samples: sam local invoke FUNCTION -e SAMPLE --env-vars events/sam-local-env.json', () => {
  it("StartOnboardingFunction with the Control Tower event starts the account's onboarding", async () => {
    const { invoke, executions } = await newWorld();

    const result = await invoke('StartOnboardingFunction', sample('control-tower-create-managed-account.json'));

    expect(result).toEqual({ accountId: '444455556666', outcome: 'started', executionArn: executions.arnOf('onboard-444455556666') });
  });

  it('DescribeAccountRequestFunction names both accounts of the GovCloud request', async () => {
    const { invoke } = await newWorld();

    const result = await invoke('DescribeAccountRequestFunction', sample('functions/describe-account-request.json'));

    expect(result).toEqual({
      requestId: ORGANIZATION.govCloudRequest.id,
      state: 'SUCCEEDED',
      accounts: [
        { accountId: ORGANIZATION.govCloudRequest.commercialAccountId, partition: 'aws' },
        { accountId: ORGANIZATION.govCloudAccount, partition: 'aws-us-gov' },
      ],
    });
  });

  it("ResolveTargetFunction resolves the target the next steps' samples carry, in the execution it names", async () => {
    // Prepare: the execution the sample names is the one running (the state machine calls this step from it).
    const { invoke, executions } = await newWorld();
    const event = sample('functions/resolve-target.json') as { input: unknown; executionArn: string };
    executions.start('onboard-444455556666', event.input);

    const result = await invoke('ResolveTargetFunction', event);

    const { trigger, context } = event.input as Record<string, unknown>;
    // The settings the shipped document gives the account: what the next steps' samples carry.
    const { settings } = sample('functions/register-account.json') as { settings: unknown };
    expect(result).toEqual({ target: roleTarget, trigger, context, concurrentExecutionArn: null, action: 'onboard', settings });
  });

  it('LookUpRegistrationFunction adopts the external ID of the registration Datadog holds, with the permissions the next sample carries', async () => {
    const { invoke, registrations } = await newWorld();

    const result = await invoke('LookUpRegistrationFunction', sample('functions/look-up-registration.json'));

    expect(result).toEqual({
      accountConfigId: registrations.role.id,
      externalId: ORGANIZATION.externalId,
      source: 'registration',
      permissions: sample('functions/provision-role.json').permissions,
      permissionsSource: 'datadog',
      resourceCollection: true,
    });
  });

  it("ProvisionRoleFunction creates the role and policy in the Control Tower account, the role ValidateRole's sample names", async () => {
    const { invoke } = await newWorld();

    const result = await invoke('ProvisionRoleFunction', sample('functions/provision-role.json'));

    expect(result).toEqual({
      roleArn: sample('functions/validate-role.json').roleArn,
      // The standard and resource-collection permissions, in parts within IAM's 6,144-character limit.
      policyArns: [
        'arn:aws:iam::444455556666:policy/DatadogIntegrationPolicy',
        ...[2, 3, 4, 5].map((part) => `arn:aws:iam::444455556666:policy/DatadogIntegrationPolicy-${part}`),
      ],
      changed: true,
      validationRequired: true,
      memberAccessRoleName: 'AWSControlTowerExecution',
      provisionedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('ValidateRoleFunction assumes the provisioned role with the external ID, as the validator role', async () => {
    const { invoke, sandbox } = await newWorld();
    const role = (await invoke('ProvisionRoleFunction', sample('functions/provision-role.json'))) as { provisionedAt: string };
    sandbox.clock.advance(10); // IAM propagates the new role

    // The sample's provisioning time is a fixed one: the step gets ProvisionRole's, as in the state machine.
    const result = await invoke('ValidateRoleFunction', { ...sample('functions/validate-role.json'), provisionedAt: role.provisionedAt });

    // Assess: 10 s after provisioning would be the third scheduled attempt; this is the first that was made.
    expect(result).toEqual({ ...PASSED_AT_FIRST_ATTEMPT, attempts: 3, waitedSeconds: 10, startedAt: role.provisionedAt });
  });

  it("RemoveValidatorTrustFunction leaves Datadog's statement alone in the provisioned role's trust policy", async () => {
    const { invoke, sandbox } = await newWorld();
    await invoke('ProvisionRoleFunction', sample('functions/provision-role.json'));
    const trustPolicy = () =>
      JSON.stringify(
        sandbox.dump().accounts['444455556666'].roles.find((candidate) => candidate.roleName === 'DatadogIntegrationRole')
          ?.assumeRolePolicyDocument,
      );
    expect(trustPolicy()).toContain('role/datadog-onboarding-ValidatorRole');

    const result = await invoke('RemoveValidatorTrustFunction', sample('functions/remove-validator-trust.json'));

    expect(result).toEqual({ trustPolicyUpdated: true });
    expect(trustPolicy()).not.toContain('ValidatorRole');
    expect(trustPolicy()).toContain('arn:aws:iam::464622532012:root');
  });

  it('RegisterAccountFunction converges the registration Datadog holds for the role and external ID', async () => {
    const { invoke, registrations } = await newWorld();

    const result = await invoke('RegisterAccountFunction', sample('functions/register-account.json'));

    expect(result).toEqual({
      accountConfigId: registrations.role.id,
      authType: 'role',
      roleName: 'DatadogIntegrationRole',
      externalId: ORGANIZATION.externalId,
      accessKeyId: null,
      action: expect.stringMatching(/^(updated|unchanged)$/),
      changed: expect.any(Array),
    });
  });

  it("ProvisionAccessKeyFunction creates the GovCloud user and key, stored in the secret ValidateAccessKey's sample names", async () => {
    const { invoke, sandbox } = await newWorld();

    const result = (await invoke('ProvisionAccessKeyFunction', sample('functions/provision-access-key.json'))) as { keySecretArn: string };

    // Secrets Manager picks the ARN's last 6 characters; the sample shows the ARN a secret of that name has.
    const sampleArn = String(sample('functions/validate-access-key.json').keySecretArn);
    expect(result).toEqual({
      userArn: 'arn:aws-us-gov:iam::777788889999:user/DatadogIntegrationUser',
      policyArns: ['arn:aws-us-gov:iam::777788889999:policy/DatadogIntegrationPolicy'],
      keySecretArn: expect.stringMatching(new RegExp(`^${sampleArn.slice(0, -7)}-[A-Za-z0-9]{6}$`)),
      changed: true,
      validationRequired: true,
      memberAccessRoleName: 'OrganizationAccountAccessRole',
      provisionedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(sandbox.dump().accounts['777788889999'].users).toEqual([
      expect.objectContaining({ userName: 'DatadogIntegrationUser', accessKeys: [expect.objectContaining({ status: 'Active' })] }),
    ]);
  });

  it('ValidateAccessKeyFunction uses the stored key in GovCloud', async () => {
    const { invoke, sandbox } = await newWorld(true);
    const provisionedAt = new Date(sandbox.clock.now()).toISOString();

    const result = await invoke('ValidateAccessKeyFunction', { ...sample('functions/validate-access-key.json'), provisionedAt });

    expect(result).toEqual(PASSED_AT_FIRST_ATTEMPT);
  });

  it('RotateAccessKeyFunction (createSecret) gives the user a new key, pending in the secret, while Datadog keeps the current one', async () => {
    const { invoke, sandbox, datadog, accessKeyId } = await newWorld(true);

    await invoke('RotateAccessKeyFunction', sample('functions/rotate-access-key.json'));

    const keys = sandbox.dump().accounts['777788889999'].users[0].accessKeys.map((key) => key.accessKeyId);
    expect(keys).toHaveLength(2);
    expect(keys).toContain(accessKeyId);
    expect(datadog.accounts().find((account) => account.attributes.aws_account_id === '777788889999')?.attributes.auth_config).toEqual({
      access_key_id: accessKeyId,
    });
  });

  it('RotateAccessKeyFunction, called for each step as Secrets Manager does, ends with Datadog and IAM on the one new key', async () => {
    const { invoke, sandbox, datadog, accessKeyId } = await newWorld(true);
    const event = sample('functions/rotate-access-key.json');

    for (const Step of ROTATION_STEPS) {
      await invoke('RotateAccessKeyFunction', { ...event, Step });
      if (Step === 'createSecret') sandbox.clock.advance(10); // IAM propagates the new key
    }

    const keys = sandbox.dump().accounts['777788889999'].users[0].accessKeys.map((key) => key.accessKeyId);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(accessKeyId);
    expect(datadog.accounts().find((account) => account.attributes.aws_account_id === '777788889999')?.attributes.auth_config).toEqual({
      access_key_id: keys[0],
    });
  });
});
