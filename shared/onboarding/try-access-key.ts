/**
 * Using an access key once, the way Datadog will use it: `sts:GetCallerIdentity` in the key's partition, then one
 * read call the integration policy grants. Shared by the ValidateAccessKey step and the access-key rotation. A new
 * key, like a new role, takes seconds to become usable (`InvalidClientTokenId` meanwhile), so failures of that kind
 * mean "not yet".
 */
import { IAMClient, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { foreignRegion, isInvalidCredentials, ownPartition } from '../aws/partition-credentials';
import { iamRegion, stsRegion } from '../aws/regions';
import { isAccessDenied, isTransientAwsError } from '../aws/transient-errors';
import { RoleValidationError } from '../errors';
import type { NewAccessKey } from '../iam/user';
import type { OnboardingTarget } from './target';

/**
 * What one use of an access key gave: `usable`, or the error name of the refusal that means "not yet"
 * (`InvalidClientTokenId`, `AccessDenied`…). A plain string: the refusals are AWS's error names, an open set.
 */
export type AccessKeyTry = string;

/**
 * Uses an access key once: `sts:GetCallerIdentity` in its partition, then one read the integration policy grants.
 *
 * @param step - the step using it, for error messages.
 * @returns `usable`, or the refusal that means "not yet" (`InvalidClientTokenId`, `AccessDenied`…).
 * @throws the SDK's transient errors; RoleValidationError for any other refusal.
 */
export async function tryAccessKey(target: OnboardingTarget, key: NewAccessKey, step: string): Promise<AccessKeyTry> {
  const foreign = target.partition !== ownPartition();
  const credentials = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  try {
    const sts = new STSClient({ region: foreign ? foreignRegion(target.partition) : stsRegion(target.partition), credentials });
    await sts.send(new GetCallerIdentityCommand({}));
    const iam = new IAMClient({ region: foreign ? foreignRegion(target.partition) : iamRegion(target.partition), credentials });
    await iam.send(new ListAccountAliasesCommand({}));
    return 'usable';
  } catch (error) {
    if (isInvalidCredentials(error) || isAccessDenied(error)) return (error as Error).name;
    if (isTransientAwsError(error)) throw error;
    throw new RoleValidationError(`using the stored access key failed: ${(error as Error).name}`, {
      accountId: target.accountId,
      step,
      remedy: 'See the error name in the AWS STS or IAM API reference',
      cause: error,
    });
  }
}
