/**
 * Reading a stored access key through Powertools Parameters: the version stage asked for, never a cached value, and
 * "no key" for a missing or malformed secret without its value in any error.
 */
import 'aws-sdk-client-mock-jest';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { readStoredKey } from '../../../shared/onboarding/access-key-secret';

const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:datadog-onboarding/datadog-access-keys/444455556666-AbCdEf';
const key = (suffix: string) => ({ accessKeyId: `AKIAEXAMPLE0000${suffix}`, secretAccessKey: `wJalrXUtnFEMI/K7MDENG/bPxRfiCY${suffix}` });

describe('Function: readStoredKey', () => {
  beforeEach(() => secrets.reset());

  it('reads the version stage it is asked for', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN, VersionStage: 'AWSPENDING' })
      .resolves({ SecretString: JSON.stringify(key('PEND')) });

    // Act
    const pending = await readStoredKey(SECRET_ARN, 'AWSPENDING');

    // Assess
    expect(pending).toEqual({ key: key('PEND') });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET_ARN, VersionStage: 'AWSPENDING' });
  });

  it('reads the secret again on every call: a rotation changes it between two reads', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify(key('OLD1')) })
      .resolvesOnce({ SecretString: JSON.stringify(key('NEW1')) });

    // Act
    const before = await readStoredKey(SECRET_ARN);
    const after = await readStoredKey(SECRET_ARN);

    // Assess
    expect([before, after]).toEqual([{ key: key('OLD1') }, { key: key('NEW1') }]);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it.each([
    ['not JSON', 'accessKeyId=AKIA… secretAccessKey=wJalrXUtnFEMI'],
    ['JSON without a key', JSON.stringify({ accessKeyId: 'short' })],
  ])('answers no key for a secret that is %s', async (_, value) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: value });
    await expect(readStoredKey(SECRET_ARN)).resolves.toBeUndefined();
  });

  it('answers no key for a secret that does not exist', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'Secrets Manager can’t find the specified secret.', $metadata: {} }));
    await expect(readStoredKey(SECRET_ARN)).resolves.toBeUndefined();
  });

  it('throws Secrets Manager’s own error otherwise, for the caller to classify', async () => {
    // Prepare
    const throttled = new SecretsManagerServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      message: 'Rate exceeded',
      $metadata: {},
    });
    secrets.on(GetSecretValueCommand).rejects(throttled);

    // Act, Assess
    await expect(readStoredKey(SECRET_ARN)).rejects.toBe(throttled);
  });
});
