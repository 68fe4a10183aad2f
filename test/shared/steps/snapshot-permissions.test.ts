/**
 * Provisioning from the shipped snapshot (Datadog's permission list unreachable) never takes a permission away: the
 * parts of the integration policy already attached, written from Datadog's newer and longer list, stay attached and
 * keep their documents, for the role (ProvisionRole) and for the user (ProvisionAccessKey).
 */
import { GetPolicyCommand, GetPolicyVersionCommand } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT, STANDARD_PERMISSIONS_SNAPSHOT } from '../../../shared/datadog/permissions';
import { listAttachedPolicyArns, type IamPrincipal } from '../../../shared/iam/attachments';
import { convergeAccessKey } from '../../../shared/steps/provision-access-key';
import { provisionDatadogRole } from '../../../shared/steps/provision-role';
import { aTarget } from '../../helpers';
import { LAMBDA, MANAGEMENT, MEMBER, memberIamPerTest, trustPolicy } from '../../local/sandbox/helpers';

const target = aTarget({ accountId: MEMBER });
/** Datadog's longer list, as an earlier run wrote it: standard and resource collection, in five parts. */
const LONGER = [...STANDARD_PERMISSIONS_SNAPSHOT, ...RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT];
/** The snapshot of this run: the standard list only, one part. */
const SNAPSHOT = [...STANDARD_PERMISSIONS_SNAPSHOT];
const VALIDATOR = `arn:aws:iam::${MANAGEMENT}:role/stack-ValidatorRole`;
const USER = 'DatadogIntegrationUser';

describe('Provisioning from the permission snapshot', () => {
  const current = memberIamPerTest({
    prepare: (sandbox) =>
      sandbox.putRole(MANAGEMENT, 'stack-ValidatorRole', { trustPolicy: trustPolicy(`arn:aws:iam::${MANAGEMENT}:root`) }),
  });

  /** The integration policy's parts attached to the role or user, each with its default version's document. */
  async function attachedParts(principal: IamPrincipal): Promise<Record<string, string | undefined>> {
    const arns = (await listAttachedPolicyArns(current.iam, principal)).filter((arn) => arn.includes(':policy/DatadogIntegrationPolicy'));
    const parts: Record<string, string | undefined> = {};
    for (const arn of arns.sort()) {
      const { Policy } = await current.iam.send(new GetPolicyCommand({ PolicyArn: arn }));
      const version = await current.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: Policy?.DefaultVersionId }));
      parts[arn] = version.PolicyVersion?.Document;
    }
    return parts;
  }

  it('keeps every part attached to the role, with its document', async () => {
    // Prepare
    const request = (permissions: string[], keepExistingPolicies: boolean) => ({
      target,
      externalId: 'abcdef0123456789abcdef0123456789',
      permissions,
      validator: { principalArn: VALIDATOR, expiresAt: new Date(Date.UTC(2030, 0, 1)) },
      allowTakeover: false,
      keepExistingPolicies,
    });
    await provisionDatadogRole(current.iam, request(LONGER, false));
    const before = await attachedParts({ kind: 'role', name: target.roleName });
    expect(Object.keys(before)).toHaveLength(5);

    // Act
    await provisionDatadogRole(current.iam, request(SNAPSHOT, true));

    // Assess
    expect(await attachedParts({ kind: 'role', name: target.roleName })).toEqual(before);
  });

  it('keeps every part attached to the user, with its document', async () => {
    // Prepare
    const secrets = new SecretsManagerClient({ region: 'us-east-1' });
    const request = (permissions: string[], keepExistingPolicies: boolean) => ({
      target: { ...target, authType: 'access_keys' as const },
      permissions,
      userName: USER,
      allowTakeover: false,
      // The function reads the key back on the next run.
      secret: { partition: target.partition, readerArns: [`arn:aws:iam::${MANAGEMENT}:role/OnboardingFunctionRole`] },
      keepExistingPolicies,
    });
    // The function's calls to Secrets Manager, as its execution role.
    const provision = (permissions: string[], keep: boolean) =>
      current.sandbox.asPrincipal(LAMBDA, () => convergeAccessKey(current.iam, secrets, request(permissions, keep)));
    await provision(LONGER, false);
    const before = await attachedParts({ kind: 'user', name: USER });
    expect(Object.keys(before)).toHaveLength(5);

    // Act
    await provision(SNAPSHOT, true);

    // Assess
    expect(await attachedParts({ kind: 'user', name: USER })).toEqual(before);
  });
});
