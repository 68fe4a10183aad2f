/**
 * The IAM user Datadog authenticates as where role delegation does not exist (AWS GovCloud on Datadog's commercial
 * sites, and China), and its access keys.
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  NoSuchEntityException,
  TagUserCommand,
  type IAMClient,
  type User,
} from '@aws-sdk/client-iam';
import type { ErrorContext } from '../errors';
import { claimOwnership, ownershipTags } from './ownership';

/** What to converge. */
export interface UserSpec {
  userName: string;
  /** Take over a user of that name this tool did not create (tags it as ours). */
  allowTakeover: boolean;
  /** The account and step, for error messages. */
  context?: ErrorContext;
}

/** An access key as IAM lists it (never its secret). */
export interface AccessKeySummary {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate?: Date;
}

/** An access key just created, with its secret: hand it straight to Secrets Manager, never to a log or state. */
export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Reads a user, or `undefined` when it does not exist. @throws the SDK's errors other than `NoSuchEntity`. */
export async function getUser(iam: IAMClient, userName: string): Promise<User | undefined> {
  try {
    return (await iam.send(new GetUserCommand({ UserName: userName }))).User;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

/**
 * Creates the user, tagged as this tool's, or checks that the existing one is this tool's.
 *
 * @returns the user's ARN and whether it was created.
 * @throws ForeignResourceError when a user of that name exists, was not created by this tool, and takeover is off.
 */
export async function convergeUser(iam: IAMClient, spec: UserSpec): Promise<{ userArn: string; created: boolean }> {
  const existing = await getUser(iam, spec.userName);
  if (existing === undefined) {
    const { User: created } = await iam.send(new CreateUserCommand({ UserName: spec.userName, Tags: ownershipTags() }));
    return { userArn: created?.Arn ?? '', created: true };
  }
  await claimOwnership(
    {
      kind: 'user',
      arn: existing.Arn,
      tags: existing.Tags,
      tag: () => iam.send(new TagUserCommand({ UserName: spec.userName, Tags: ownershipTags() })),
    },
    spec.allowTakeover,
    spec.context,
  );
  return { userArn: existing.Arn ?? '', created: false };
}

/** The user's access keys (IAM allows two per user; IAM User Guide, "IAM object quotas"). */
export async function listAccessKeys(iam: IAMClient, userName: string): Promise<AccessKeySummary[]> {
  const { AccessKeyMetadata } = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return (AccessKeyMetadata ?? []).flatMap((key) =>
    key.AccessKeyId
      ? [{ accessKeyId: key.AccessKeyId, status: key.Status === 'Inactive' ? 'Inactive' : 'Active', createDate: key.CreateDate }]
      : [],
  );
}

/** Creates an access key; its secret is returned once, here. */
export async function createAccessKey(iam: IAMClient, userName: string): Promise<NewAccessKey> {
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  if (!AccessKey?.AccessKeyId || !AccessKey.SecretAccessKey) throw new Error(`IAM CreateAccessKey for ${userName} returned no key`);
  return { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
}

/** Deletes an access key; one already gone is fine. */
export async function deleteAccessKey(iam: IAMClient, userName: string, accessKeyId: string): Promise<void> {
  try {
    await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
  } catch (error) {
    if (!(error instanceof NoSuchEntityException)) throw error;
  }
}
