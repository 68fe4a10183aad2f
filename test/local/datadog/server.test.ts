import { createConfiguration } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/configuration';
import { ApiException } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/exception';
import { BaseServerConfiguration } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/servers';
import { AWSIntegrationApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/AWSIntegrationApi';
import type { AWSAccountCreateRequest } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountCreateRequest';
import type { AWSAccountUpdateRequest } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountUpdateRequest';
import type { AWSAuthConfigRole } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAuthConfigRole';
import { STANDARD_PERMISSIONS_SNAPSHOT } from '../../../shared/datadog/permissions';
import { startLocalDatadog, type DatadogAccountRecord, type LocalDatadogOptions } from '../../../local/datadog/server';
import { serversPerTest } from './helpers';

const API_KEY = 'test-api-key-0123456789abcdef';
const APP_KEY = 'test-app-key-fedcba9876543210';
const SECRET = 'test-secret-access-key-do-not-leak';
const ACCOUNT_ID = '123456789012';
const HOURS = 60 * 60 * 1000;
const EXTERNAL_ID = /^[0-9a-f]{32}$/;

const start = serversPerTest({ apiKey: API_KEY, appKey: APP_KEY });

function client(
  url: string,
  keys: { apiKeyAuth?: string; appKeyAuth?: string } = { apiKeyAuth: API_KEY, appKeyAuth: APP_KEY },
): AWSIntegrationApi {
  return new AWSIntegrationApi(createConfiguration({ authMethods: keys, baseServer: new BaseServerConfiguration(url, {}) }));
}

function roleBody(awsAccountId = ACCOUNT_ID, externalId?: string): AWSAccountCreateRequest {
  return {
    data: {
      type: 'account',
      attributes: {
        awsAccountId,
        awsPartition: 'aws',
        authConfig: { roleName: 'DatadogIntegrationRole', externalId },
        accountTags: ['team:platform'],
      },
    },
  };
}

/** A PATCH of {@link ACCOUNT_ID}'s registration to role delegation with `roleName` and `externalId`. */
function roleUpdate(roleName: string, externalId: string | undefined): AWSAccountUpdateRequest {
  return { data: { type: 'account', attributes: { awsAccountId: ACCOUNT_ID, authConfig: { roleName, externalId } } } };
}

function keysBody(partition: 'aws' | 'aws-us-gov' | 'aws-cn'): AWSAccountCreateRequest {
  return {
    data: {
      type: 'account',
      attributes: {
        awsAccountId: ACCOUNT_ID,
        awsPartition: partition,
        authConfig: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET },
      },
    },
  };
}

/** Runs a call that must fail with an ApiException and returns it. */
async function apiError(call: Promise<unknown>): Promise<ApiException<unknown>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return error;
    throw error;
  }
  throw new Error('expected an ApiException, the call succeeded');
}

async function rawRequest(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

const authHeaders = { 'DD-API-KEY': API_KEY, 'DD-APPLICATION-KEY': APP_KEY, 'content-type': 'application/json' };

describe('Function: startLocalDatadog', () => {
  describe('account lifecycle through the real client', () => {
    it('creates, lists by AWS account id and patches a registration; 404 for a config id it does not hold', async () => {
      // Prepare
      let clock = Date.parse('2025-01-01T00:00:00Z');
      const datadog = await start({ now: () => clock });
      const api = client(datadog.url);

      // Act
      const created = await api.createAWSAccount({ body: roleBody() });
      const listed = await api.listAWSAccounts({ awsAccountId: ACCOUNT_ID });
      const otherListed = await api.listAWSAccounts({ awsAccountId: '210987654321' });
      clock += 1000;
      const patch: AWSAccountUpdateRequest = {
        data: { type: 'account', attributes: { awsAccountId: ACCOUNT_ID, accountTags: ['team:observability'] } },
      };
      const patched = await api.updateAWSAccount({ awsAccountConfigId: created.data.id, body: patch });
      const unknown = await apiError(api.updateAWSAccount({ awsAccountConfigId: '00000000-0000-4000-8000-000000000000', body: patch }));

      // Assess
      const externalId = (created.data.attributes?.authConfig as AWSAuthConfigRole).externalId;
      expect(created.data.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(externalId).toMatch(EXTERNAL_ID);
      expect(created._unparsed).toBeUndefined();
      expect(created.data.attributes?._unparsed).toBeUndefined();
      expect(created.data.attributes?.createdAt).toEqual(new Date('2025-01-01T00:00:00Z'));
      expect(listed.data.map((account) => account.id)).toEqual([created.data.id]);
      expect(otherListed.data).toEqual([]);
      expect(listed.data[0].attributes?.awsAccountId).toBe(ACCOUNT_ID);
      expect(listed.data[0].attributes?.awsRegions).toMatchObject({ includeAll: true });
      expect(patched.data.attributes?.accountTags).toEqual(['team:observability']);
      expect((patched.data.attributes?.authConfig as AWSAuthConfigRole).externalId).toBe(externalId);
      expect(patched.data.attributes?.modifiedAt).toEqual(new Date('2025-01-01T00:00:01Z'));
      expect(unknown.code).toBe(404);
      expect(unknown.body).toEqual({
        errors: [{ status: '404', title: 'Account not found', detail: 'AWS account with provided id is not integrated' }],
      });
      expect(datadog.accounts().map((account) => account.attributes.account_tags)).toEqual([['team:observability']]);
      expect(datadog.requests().map(({ operation, status }) => `${operation} ${status}`)).toEqual([
        'CreateAWSAccount 200',
        'ListAWSAccounts 200',
        'ListAWSAccounts 200',
        'UpdateAWSAccount 200',
        'UpdateAWSAccount 404',
      ]);
    });

    it('answers 409 "Account already exists" to a second create for the same AWS account', async () => {
      // Prepare
      const datadog = await start();
      const api = client(datadog.url);
      await api.createAWSAccount({ body: roleBody() });

      // Act
      const error = await apiError(api.createAWSAccount({ body: roleBody() }));

      // Assess
      expect(error.code).toBe(409);
      expect(error.body).toEqual({
        errors: [{ status: '409', title: 'Account already exists', detail: 'AWS account with provided id already exists' }],
      });
      expect(datadog.accounts()).toHaveLength(1);
    });

    it('serves initial registrations given as options, and answers 409 when creating one of them again', async () => {
      // Prepare
      const initial: DatadogAccountRecord = {
        id: '6f1c8a36-5f43-4a53-9e5b-3cf1a4c06d1e',
        type: 'account',
        attributes: {
          aws_account_id: ACCOUNT_ID,
          aws_partition: 'aws',
          auth_config: { role_name: 'DatadogIntegrationRole', external_id: '0123456789abcdef0123456789abcdef' },
          created_at: '2024-06-01T00:00:00.000Z',
          modified_at: '2024-06-01T00:00:00.000Z',
        },
      };
      const datadog = await start({ accounts: [initial] });
      const api = client(datadog.url);

      // Act
      const listed = await api.listAWSAccounts({ awsAccountId: ACCOUNT_ID });
      const duplicate = await apiError(api.createAWSAccount({ body: roleBody() }));

      // Assess
      expect(listed.data.map((account) => account.id)).toEqual([initial.id]);
      expect(duplicate.code).toBe(409);
      expect(datadog.accounts()).toEqual([initial]);
    });

    it('keeps the stored registration when PATCH re-sends the external ID already on the account', async () => {
      // Prepare
      const datadog = await start();
      const api = client(datadog.url);
      const created = await api.createAWSAccount({ body: roleBody() });
      const externalId = (created.data.attributes?.authConfig as AWSAuthConfigRole).externalId;

      // Act
      const patched = await api.updateAWSAccount({
        awsAccountConfigId: created.data.id,
        body: roleUpdate('DatadogRoleRenamed', externalId),
      });

      // Assess
      expect(patched.data.attributes?.authConfig).toMatchObject({ roleName: 'DatadogRoleRenamed', externalId });
    });

    it('applies PATCH rules: the AWS account cannot change, new access keys need their secret, defaults fill replaced sections', async () => {
      // Prepare
      const datadog = await start();
      const api = client(datadog.url);
      const created = await api.createAWSAccount({ body: keysBody('aws-us-gov') });
      const id = created.data.id;
      const patch = (attributes: AWSAccountUpdateRequest['data']['attributes']) =>
        api.updateAWSAccount({ awsAccountConfigId: id, body: { data: { type: 'account', attributes } } });

      // Act
      const otherAccount = await apiError(patch({ awsAccountId: '210987654321', accountTags: [] }));
      const newKeyWithoutSecret = await apiError(patch({ awsAccountId: ACCOUNT_ID, authConfig: { accessKeyId: 'AKIAOTHERKEYEXAMPLE' } }));
      const sameKeyWithoutSecret = await patch({ awsAccountId: ACCOUNT_ID, authConfig: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' } });
      const partialMetrics = await patch({ awsAccountId: ACCOUNT_ID, metricsConfig: { collectCustomMetrics: true } });

      // Assess
      expect(otherAccount.code).toBe(400);
      expect(JSON.stringify(otherAccount.body)).toContain('data.attributes.aws_account_id');
      expect(newKeyWithoutSecret.code).toBe(400);
      expect(JSON.stringify(newKeyWithoutSecret.body)).toContain('data.attributes.auth_config.secret_access_key');
      expect(sameKeyWithoutSecret.data.attributes?.authConfig).toMatchObject({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
      expect(partialMetrics.data.attributes?.metricsConfig).toMatchObject({ enabled: true, collectCustomMetrics: true });
      expect(partialMetrics.data.attributes?.awsRegions).toMatchObject({ includeAll: true });
    });
  });

  describe('request validation', () => {
    it('answers 400 naming the path of a field the client model does not declare', async () => {
      // Prepare
      const datadog = await start();
      const body = roleBody();
      // The client silently drops unknown camelCase keys; additionalProperties is how a stray field reaches the wire.
      body.data.attributes.additionalProperties = { aws_account_name: 'prod' };

      // Act
      const error = await apiError(client(datadog.url).createAWSAccount({ body }));

      // Assess
      expect(error.code).toBe(400);
      expect(error.body).toEqual({
        errors: [{ status: '400', title: 'Invalid Parameter', detail: 'unknown field "data.attributes.aws_account_name"' }],
      });
    });

    it('answers 400 for an AWS account id that is not 12 digits', async () => {
      // Prepare
      const datadog = await start();

      // Act
      const error = await apiError(client(datadog.url).createAWSAccount({ body: roleBody('12345678901') }));

      // Assess
      expect(error.code).toBe(400);
      expect(JSON.stringify(error.body)).toContain('data.attributes.aws_account_id');
      expect(datadog.accounts()).toEqual([]);
    });

    it('answers 400 "invalid External ID" for an external ID the server did not issue', async () => {
      // Prepare
      const datadog = await start();

      // Act
      const error = await apiError(
        client(datadog.url).createAWSAccount({ body: roleBody(ACCOUNT_ID, 'ffffffffffffffffffffffffffffffff') }),
      );

      // Assess
      expect(error.code).toBe(400);
      expect(error.body).toEqual({ errors: [{ status: '400', title: 'Bad Request', detail: 'invalid External ID' }] });
    });

    it('answers 400 for access keys on the aws partition', async () => {
      // Prepare
      const datadog = await start();

      // Act
      const error = await apiError(client(datadog.url).createAWSAccount({ body: keysBody('aws') }));

      // Assess
      expect(error.code).toBe(400);
      expect(JSON.stringify(error.body)).toContain('access keys are accepted only for partitions aws-us-gov and aws-cn');
    });

    it('accepts access keys for aws-us-gov and never returns the secret', async () => {
      // Prepare
      const datadog = await start();
      const api = client(datadog.url);

      // Act
      const created = await api.createAWSAccount({ body: keysBody('aws-us-gov') });
      const fetched = await rawRequest(`${datadog.url}/api/v2/integration/aws/accounts?aws_account_id=${ACCOUNT_ID}`, {
        headers: authHeaders,
      });

      // Assess
      expect(created.data.attributes?.authConfig).toMatchObject({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
      expect(JSON.stringify(fetched.body)).not.toContain(SECRET);
      expect(JSON.stringify(fetched.body)).not.toContain('secret_access_key');
      expect(JSON.stringify(datadog.accounts())).not.toContain(SECRET);
    });

    it.each([
      ['datadoghq.com', 'aws-us-gov', 400],
      ['ddog-gov.com', 'aws-us-gov', 200],
      ['us2.ddog-gov.com', 'aws-us-gov', 200],
      ['ddog-gov.com', 'aws-cn', 400],
      ['datadoghq.eu', 'aws', 200],
    ] as const)('on site %s answers role delegation for partition %s with %i', async (site, partition, expected) => {
      // Prepare
      const datadog = await start({ site });
      const body = roleBody();
      body.data.attributes.awsPartition = partition;

      // Act
      const status = await client(datadog.url)
        .createAWSAccount({ body })
        .then(() => 200)
        .catch((error: unknown) => (error instanceof ApiException ? error.code : -1));

      // Assess
      expect(status).toBe(expected);
    });

    it('answers 400 for a wrong type, a bad enum value and a malformed JSON body sent without the client', async () => {
      // Prepare
      const datadog = await start();
      const url = `${datadog.url}/api/v2/integration/aws/accounts`;
      const attributes = { aws_account_id: ACCOUNT_ID, aws_partition: 'aws', auth_config: { role_name: 'DatadogIntegrationRole' } };

      // Act
      const wrongType = await rawRequest(url, {
        method: 'POST',
        headers: authHeaders,
        body: JSON.stringify({ data: { type: 'account', attributes: { ...attributes, account_tags: 'team:platform' } } }),
      });
      const badPartition = await rawRequest(url, {
        method: 'POST',
        headers: authHeaders,
        body: JSON.stringify({ data: { type: 'account', attributes: { ...attributes, aws_partition: 'aws-invalid' } } }),
      });
      const badType = await rawRequest(url, {
        method: 'POST',
        headers: authHeaders,
        body: JSON.stringify({ data: { type: 'accounts', attributes } }),
      });
      const malformed = await rawRequest(url, { method: 'POST', headers: authHeaders, body: '{"data":' });

      // Assess
      expect(wrongType).toMatchObject({
        status: 400,
        body: { errors: [{ detail: 'field "data.attributes.account_tags" must be an array' }] },
      });
      expect(badPartition).toMatchObject({
        status: 400,
        body: { errors: [{ detail: expect.stringContaining('data.attributes.aws_partition') }] },
      });
      expect(badType).toMatchObject({ status: 400, body: { errors: [{ detail: expect.stringContaining('data.type') }] } });
      expect(malformed).toMatchObject({ status: 400, body: { errors: [{ status: '400', title: 'Bad Request' }] } });
      expect(datadog.accounts()).toEqual([]);
    });

    it('answers 400 to a config id that is not a UUID and 404 to an unknown route', async () => {
      // Prepare
      const datadog = await start();

      // Act
      const patch: AWSAccountUpdateRequest = { data: { type: 'account', attributes: { awsAccountId: ACCOUNT_ID } } };
      const notUuid = await apiError(client(datadog.url).updateAWSAccount({ awsAccountConfigId: ACCOUNT_ID, body: patch }));
      const unknownRoute = await rawRequest(`${datadog.url}/api/v1/integration/aws`, { headers: authHeaders });

      // Assess
      expect(notUuid.code).toBe(400);
      expect(notUuid.body).toEqual({
        errors: [
          {
            status: '400',
            title: 'Invalid Parameter',
            detail: 'invalid parameter "aws_account_config_id" in "path"; expected type "uuid"',
          },
        ],
      });
      expect(unknownRoute.status).toBe(404);
      expect(datadog.requests().at(-1)).toMatchObject({ operation: 'Unknown', status: 404 });
    });
  });

  describe('authentication', () => {
    it('answers 403 Forbidden to a wrong application key', async () => {
      // Prepare
      const datadog = await start();
      const api = client(datadog.url, { apiKeyAuth: API_KEY, appKeyAuth: 'not-the-app-key' });

      // Act
      const error = await apiError(api.listAWSAccounts());

      // Assess
      expect(error.code).toBe(403);
      expect(error.body).toMatchObject({ errors: ['Forbidden'] });
      expect(datadog.requests()).toEqual([
        { method: 'GET', path: '/api/v2/integration/aws/accounts', status: 403, operation: 'ListAWSAccounts' },
      ]);
    });

    it('refuses keys passed in the URL and does not record them', async () => {
      // Prepare
      const datadog = await start();

      // Act
      const response = await rawRequest(`${datadog.url}/api/v2/integration/aws/accounts?api_key=${API_KEY}&application_key=${APP_KEY}`);

      // Assess
      expect(response.status).toBe(403);
      expect(JSON.stringify(datadog.requests())).not.toContain(API_KEY);
      expect(JSON.stringify(datadog.requests())).not.toContain(APP_KEY);
    });

    it('serves the standard IAM permission list without keys, from the product’s snapshot', async () => {
      // Prepare
      const datadog = await start();
      const anonymous = client(datadog.url, {});

      // Act
      const standard = await anonymous.getAWSIntegrationIAMPermissionsStandard();

      // Assess
      expect(standard.data.attributes?.permissions).toEqual(STANDARD_PERMISSIONS_SNAPSHOT);
      expect(standard.data.type).toBe('permissions');
      expect(standard.data.attributes?.permissions).toContain('cloudwatch:Get*');
    });

    it('never puts key values or secrets into accounts() or requests()', async () => {
      // Prepare
      const datadog = await start();
      const api = client(datadog.url);
      const created = await api.createAWSAccount({ body: keysBody('aws-cn') });
      await api.listAWSAccounts({ awsAccountId: ACCOUNT_ID });
      const patch: AWSAccountUpdateRequest = { data: { type: 'account', attributes: { awsAccountId: ACCOUNT_ID } } };
      await apiError(
        client(datadog.url, { apiKeyAuth: API_KEY, appKeyAuth: 'wrong' }).updateAWSAccount({
          awsAccountConfigId: created.data.id,
          body: patch,
        }),
      );

      // Act
      const dump = JSON.stringify({ accounts: datadog.accounts(), requests: datadog.requests() });

      // Assess
      expect(dump).not.toContain(API_KEY);
      expect(dump).not.toContain(APP_KEY);
      expect(dump).not.toContain(SECRET);
      expect(datadog.requests()).toHaveLength(3);
    });
  });

  describe('external IDs', () => {
    it('accepts a pre-generated external ID once, then only on the account it was used for', async () => {
      // Prepare
      const datadog = await start();
      const api = client(datadog.url);
      const generated = await api.createNewAWSExternalID();
      const externalId = generated.data.attributes?.externalId;

      // Act
      const first = await api.createAWSAccount({ body: roleBody(ACCOUNT_ID, externalId) });
      const second = await apiError(api.createAWSAccount({ body: roleBody('210987654321', externalId) }));
      const patchSame = await api.updateAWSAccount({
        awsAccountConfigId: first.data.id,
        body: roleUpdate('DatadogIntegrationRole', externalId),
      });

      // Assess
      expect(externalId).toMatch(EXTERNAL_ID);
      expect(generated.data).toMatchObject({ id: externalId, type: 'external_id' });
      expect((first.data.attributes?.authConfig as AWSAuthConfigRole).externalId).toBe(externalId);
      expect(second.code).toBe(400);
      expect(second.body).toMatchObject({ errors: [{ detail: 'invalid External ID' }] });
      expect((patchSame.data.attributes?.authConfig as AWSAuthConfigRole).externalId).toBe(externalId);
    });

    it('moves an account to a newly generated external ID through PATCH', async () => {
      // Prepare
      const datadog = await start();
      const api = client(datadog.url);
      const created = await api.createAWSAccount({ body: roleBody() });
      const fresh = (await api.createNewAWSExternalID()).data.attributes?.externalId;

      // Act
      const patched = await api.updateAWSAccount({
        awsAccountConfigId: created.data.id,
        body: roleUpdate('DatadogIntegrationRole', fresh),
      });

      // Assess
      expect((patched.data.attributes?.authConfig as AWSAuthConfigRole).externalId).toBe(fresh);
    });

    it('lets a pre-generated external ID expire 48 hours after generation', async () => {
      // Prepare
      let clock = Date.parse('2025-03-01T12:00:00Z');
      const datadog = await start({ now: () => clock });
      const api = client(datadog.url);
      const early = (await api.createNewAWSExternalID()).data.attributes?.externalId;
      const late = (await api.createNewAWSExternalID()).data.attributes?.externalId;

      // Act
      clock += 48 * HOURS - 1;
      const justInTime = await api.createAWSAccount({ body: roleBody(ACCOUNT_ID, early) });
      clock += 1;
      const expired = await apiError(api.createAWSAccount({ body: roleBody('210987654321', late) }));

      // Assess
      expect((justInTime.data.attributes?.authConfig as AWSAuthConfigRole).externalId).toBe(early);
      expect(expired.code).toBe(400);
      expect(expired.body).toMatchObject({ errors: [{ detail: 'invalid External ID' }] });
    });
  });

  describe('options', () => {
    it('rejects an unknown site and empty keys', async () => {
      // Prepare
      const unknownSite = { apiKey: API_KEY, appKey: APP_KEY, site: 'example.com' } as unknown as LocalDatadogOptions;

      // Act
      const starts = [startLocalDatadog(unknownSite), startLocalDatadog({ apiKey: '', appKey: APP_KEY })];

      // Assess
      await expect(starts[0]).rejects.toThrow(TypeError);
      await expect(starts[1]).rejects.toThrow('apiKey');
    });
  });
});
