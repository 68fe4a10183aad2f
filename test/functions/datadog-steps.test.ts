/**
 * The two Datadog steps against the local Datadog API server, with the keys read from a (mocked) Secrets Manager.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { lookUpRegistrationStep } from '../../functions/look-up-registration/index';
import { registerAccountStep } from '../../functions/register-account/index';
import { startLocalDatadog, type LocalDatadogServer } from '../../local/datadog/server';
import { RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT, STANDARD_PERMISSIONS_SNAPSHOT } from '../../shared/datadog/permissions';
import type { AccountSettings } from '../../shared/settings/schema';
import { aTarget } from '../helpers';

const secrets = mockClient(SecretsManagerClient);
const KEYS = { apiKey: 'test-api-key-0123456789abcdef', appKey: 'test-app-key-0123456789abcdef0123456789' };
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:datadog-keys-AbCdEf';
/** An account's settings as ResolveTarget resolves them from the document. */
const SETTINGS: AccountSettings = {
  account_tags: ['team:platform', 'env:prod'],
  metrics_config: { enabled: true },
  resources_config: { extended_collection: false },
};

/** Mocks the secret of the Datadog keys and starts a local Datadog with those keys, where the functions then call. */
async function startDatadog(): Promise<LocalDatadogServer> {
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(KEYS) });
  const datadog = await startLocalDatadog({ ...KEYS });
  Object.assign(process.env, { DATADOG_KEYS_SECRET_ARN: SECRET_ARN, DATADOG_API_URL: datadog.url });
  return datadog;
}

/** LookUpRegistration then RegisterAccount for a role-delegation account, as the state machine runs them. */
async function lookUpAndRegister(settings: AccountSettings = SETTINGS) {
  const looked = await lookUpRegistrationStep({ target: aTarget(), settings });
  const registered = await registerAccountStep({ target: aTarget(), externalId: looked.externalId, keySecretArn: null, settings });
  return { looked, registered };
}

describe('Functions: LookUpRegistration and RegisterAccount', () => {
  let datadog: LocalDatadogServer;

  beforeEach(async () => (datadog = await startDatadog()));

  afterEach(() => datadog.close());

  it('generates an external ID for an account Datadog does not hold, then registers it with role delegation', async () => {
    // Act
    const { looked, registered } = await lookUpAndRegister();

    // Assess
    expect(looked).toMatchObject({ accountConfigId: null, source: 'generated', permissionsSource: 'datadog' });
    expect(looked.externalId).toMatch(/^[0-9a-f]{32}$/);
    expect(looked.permissions).toEqual([...STANDARD_PERMISSIONS_SNAPSHOT]);
    expect(registered).toEqual({
      accountConfigId: expect.any(String),
      authType: 'role',
      roleName: 'DatadogIntegrationRole',
      externalId: looked.externalId,
      accessKeyId: null,
      action: 'created',
      changed: [],
    });
    const [account] = datadog.accounts();
    expect(account.id).toBe(registered.accountConfigId);
    expect(account.attributes).toMatchObject({
      aws_account_id: '444455556666',
      aws_partition: 'aws',
      auth_config: { role_name: 'DatadogIntegrationRole', external_id: looked.externalId },
      account_tags: ['team:platform', 'env:prod'],
      metrics_config: { enabled: true },
      resources_config: { extended_collection: false },
    });
  });

  it('adopts an existing registration: its external ID, then a PATCH of what differs, never a second create', async () => {
    // Prepare
    const first = await lookUpRegistrationStep({ target: aTarget(), settings: SETTINGS });
    const created = await registerAccountStep({
      target: aTarget({ roleName: 'OldRole' }),
      externalId: first.externalId,
      keySecretArn: null,
      settings: SETTINGS,
    });

    // Act
    const { looked, registered } = await lookUpAndRegister();

    // Assess
    expect(looked).toMatchObject({ accountConfigId: created.accountConfigId, externalId: first.externalId, source: 'registration' });
    expect(registered).toMatchObject({ accountConfigId: created.accountConfigId, action: 'updated' });
    expect(datadog.accounts()).toHaveLength(1);
    expect(datadog.accounts()[0].attributes.auth_config).toMatchObject({ role_name: 'DatadogIntegrationRole' });
    expect(datadog.requests().filter((request) => request.operation === 'CreateAWSAccount')).toHaveLength(1);
  });

  it('changes nothing when the registration already matches', async () => {
    const { looked } = await lookUpAndRegister();
    const again = await registerAccountStep({ target: aTarget(), externalId: looked.externalId, keySecretArn: null, settings: SETTINGS });
    expect(again.action).toBe('unchanged');
    expect(datadog.requests().filter((request) => request.operation === 'UpdateAWSAccount')).toHaveLength(0);
  });

  it('fails with Datadog’s status and a remedy when the keys are refused, never showing them', async () => {
    await datadog.close();
    datadog = await startLocalDatadog({ apiKey: 'another-api-key', appKey: 'another-app-key' });
    process.env.DATADOG_API_URL = datadog.url;

    const failure = lookUpRegistrationStep({ target: aTarget(), settings: SETTINGS });

    await expect(failure).rejects.toMatchObject({
      name: 'DatadogRequestError',
      status: 403,
      message: expect.stringContaining('Check the API and application keys'),
    });
    const message = await failure.catch((error: Error) => error.message);
    expect(message).not.toContain(KEYS.apiKey);
    expect(message).not.toContain(KEYS.appKey);
  });

  it('refuses a keys secret that is not in the documented format, without echoing it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'api=plain-text-secret' });
    const secretArn = `${SECRET_ARN}-other`;
    process.env.DATADOG_KEYS_SECRET_ARN = secretArn;
    const failure = lookUpRegistrationStep({ target: aTarget(), settings: SETTINGS });
    await expect(failure).rejects.toMatchObject({ name: 'DatadogKeysError' });
    expect(await failure.catch((error: Error) => error.message)).not.toContain('plain-text-secret');
  });
});

describe('Functions: LookUpRegistration and RegisterAccount with an access key', () => {
  const KEY_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:datadog-onboarding/datadog-access-keys/777788889999-AbCdEf';
  const KEY = { accessKeyId: 'AKIAGOVCLOUDUSERKEY1', secretAccessKey: 'govcloud-user-secret-access-key-0123456789' };
  let datadog: LocalDatadogServer;

  beforeEach(async () => {
    datadog = await startDatadog();
    secrets.on(GetSecretValueCommand, { SecretId: KEY_SECRET_ARN }).resolves({ SecretString: JSON.stringify(KEY), ARN: KEY_SECRET_ARN });
  });

  afterEach(() => datadog.close());

  it('registers a GovCloud account on a commercial site with the stored key, generating no external ID', async () => {
    // Prepare
    const target = aTarget({ accountId: '777788889999', partition: 'aws-us-gov', authType: 'access_keys' });

    // Act
    const looked = await lookUpRegistrationStep({ target, settings: SETTINGS });
    const registered = await registerAccountStep({ target, externalId: null, keySecretArn: KEY_SECRET_ARN, settings: SETTINGS });

    // Assess
    expect(looked).toMatchObject({ externalId: null, source: 'not-needed' });
    expect(datadog.requests().map((request) => request.operation)).not.toContain('CreateNewAWSExternalID');
    expect(registered).toMatchObject({
      authType: 'access_keys',
      accessKeyId: KEY.accessKeyId,
      roleName: null,
      externalId: null,
      action: 'created',
    });
    expect(datadog.accounts()[0].attributes).toMatchObject({
      aws_partition: 'aws-us-gov',
      auth_config: { access_key_id: KEY.accessKeyId },
    });
    expect(JSON.stringify({ registered, accounts: datadog.accounts() })).not.toContain(KEY.secretAccessKey);
  });

  it('changes nothing on a replay with the same key', async () => {
    const target = aTarget({ accountId: '777788889999', partition: 'aws-us-gov', authType: 'access_keys' });
    await registerAccountStep({ target, externalId: null, keySecretArn: KEY_SECRET_ARN, settings: SETTINGS });
    await expect(
      registerAccountStep({ target, externalId: null, keySecretArn: KEY_SECRET_ARN, settings: SETTINGS }),
    ).resolves.toMatchObject({
      action: 'unchanged',
    });
  });
});

describe("Functions: the account's settings in Datadog", () => {
  let datadog: LocalDatadogServer;

  beforeEach(async () => (datadog = await startDatadog()));

  afterEach(() => datadog.close());

  const production: AccountSettings = {
    account_tags: ['team:payments', 'ou:Production'],
    aws_regions: { include_all: true },
    metrics_config: { enabled: true, namespace_filters: { exclude_only: ['AWS/SQS'] } },
    resources_config: { extended_collection: true, cloud_security_posture_management_collection: true },
    traces_config: { xray_services: { include_only: ['checkout'] } },
  };

  it("registers every setting under Datadog's names and fetches the resource-collection permissions only when collecting resources", async () => {
    const { looked } = await lookUpAndRegister(production);

    expect(looked.resourceCollection).toBe(true);
    expect(looked.permissions).toEqual(
      expect.arrayContaining([...STANDARD_PERMISSIONS_SNAPSHOT, ...RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT]),
    );
    expect(datadog.requests().map((request) => request.operation)).toContain('GetAWSIntegrationIAMPermissionsResourceCollection');
    expect(datadog.accounts()[0].attributes).toMatchObject({
      account_tags: ['team:payments', 'ou:Production'],
      aws_regions: { include_all: true },
      metrics_config: { enabled: true, namespace_filters: { exclude_only: ['AWS/SQS'] } },
      resources_config: { extended_collection: true, cloud_security_posture_management_collection: true },
      traces_config: { xray_services: { include_only: ['checkout'] } },
    });

    const off = await lookUpRegistrationStep({ target: aTarget(), settings: SETTINGS });
    expect(off.resourceCollection).toBe(false);
    expect(off.permissions).toEqual([...STANDARD_PERMISSIONS_SNAPSHOT]);
    expect(datadog.requests().filter((request) => request.operation === 'GetAWSIntegrationIAMPermissionsResourceCollection')).toHaveLength(
      1,
    );
  });

  it('PATCHes only the sections that drifted, keeping the fields the document leaves alone', async () => {
    const { looked } = await lookUpAndRegister(production);
    const sandbox: AccountSettings = {
      ...production,
      aws_regions: { include_only: ['eu-west-1'] },
      metrics_config: { enabled: true, automute_enabled: false },
    };

    const updated = await registerAccountStep({ target: aTarget(), externalId: looked.externalId, keySecretArn: null, settings: sandbox });

    expect(updated).toMatchObject({ action: 'updated', changed: ['aws_regions', 'metrics_config.automute_enabled'] });
    const patches = datadog.requests().filter((request) => request.operation === 'UpdateAWSAccount');
    expect(patches).toHaveLength(1);
    const held = datadog.accounts()[0].attributes;
    expect(held.aws_regions).toEqual({ include_only: ['eu-west-1'] });
    // The namespace filter the new settings do not name stays as Datadog held it.
    expect(held.metrics_config).toMatchObject({ automute_enabled: false, namespace_filters: { exclude_only: ['AWS/SQS'] } });
    expect(held.traces_config).toEqual(expect.objectContaining({ xray_services: { include_only: ['checkout'] } }));
  });
});
