/**
 * The sandbox operations offboarding calls: DeleteRole, DeleteUser (IAM's DeleteConflict while attached or keyed) and
 * DeleteSecret (a recovery window during which the secret can only be described, then gone).
 */
import { DeleteRoleCommand, DeleteConflictException, DeleteUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ADMIN, LAMBDA, MANAGEMENT, aSandbox, trustPolicy } from './helpers';

const sandbox = aSandbox();
beforeAll(() => sandbox.install());
afterAll(() => sandbox.restore());

const iam = new IAMClient({ region: 'us-east-1' });
const secrets = new SecretsManagerClient({ region: 'us-east-1' });
const as = <T>(fn: () => Promise<T>) => sandbox.asPrincipal(LAMBDA, fn);

describe('Sandbox: DeleteRole and DeleteUser', () => {
  it('refuses while a policy is attached (DeleteConflict), deletes once detached', async () => {
    sandbox.putRole(MANAGEMENT, 'Attached', { trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`), attachedPolicyArns: [ADMIN] });
    sandbox.putRole(MANAGEMENT, 'Bare', { trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`) });

    await expect(as(() => iam.send(new DeleteRoleCommand({ RoleName: 'Attached' })))).rejects.toBeInstanceOf(DeleteConflictException);
    await as(() => iam.send(new DeleteRoleCommand({ RoleName: 'Bare' })));

    expect(sandbox.dump().accounts[MANAGEMENT].roles.map((role) => role.roleName)).toContain('Attached');
    expect(sandbox.dump().accounts[MANAGEMENT].roles.map((role) => role.roleName)).not.toContain('Bare');
  });

  it('refuses a user with an access key, deletes it once the key is gone', async () => {
    sandbox.putUser(MANAGEMENT, 'keyed');
    const key = sandbox.putAccessKey(MANAGEMENT, 'keyed');
    await expect(as(() => iam.send(new DeleteUserCommand({ UserName: 'keyed' })))).rejects.toBeInstanceOf(DeleteConflictException);
    expect(key.accessKeyId).toMatch(/^AKIA/);
  });
});

describe('Sandbox: DeleteSecret', () => {
  it('schedules the deletion: only DescribeSecret answers (DeletedDate), the name cannot be reused, then it is gone', async () => {
    const { ARN } = await as(() => secrets.send(new CreateSecretCommand({ Name: 'offboarded/one', SecretString: '{}' })));

    const deleted = await as(() => secrets.send(new DeleteSecretCommand({ SecretId: ARN, RecoveryWindowInDays: 7 })));

    expect(deleted.DeletionDate?.getTime()).toBe(sandbox.clock.now() + 7 * 86_400_000);
    const described = await as(() => secrets.send(new DescribeSecretCommand({ SecretId: ARN })));
    expect(described.DeletedDate).toBeInstanceOf(Date);
    await expect(as(() => secrets.send(new GetSecretValueCommand({ SecretId: ARN })))).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(as(() => secrets.send(new DeleteSecretCommand({ SecretId: ARN })))).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(as(() => secrets.send(new CreateSecretCommand({ Name: 'offboarded/one', SecretString: '{}' })))).rejects.toBeInstanceOf(
      InvalidRequestException,
    );

    sandbox.clock.advance(7 * 86_400 + 1);
    await expect(as(() => secrets.send(new DescribeSecretCommand({ SecretId: ARN })))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses a recovery window outside 7 to 30 days', async () => {
    const { ARN } = await as(() => secrets.send(new CreateSecretCommand({ Name: 'offboarded/two', SecretString: '{}' })));
    await expect(as(() => secrets.send(new DeleteSecretCommand({ SecretId: ARN, RecoveryWindowInDays: 3 })))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });
});
