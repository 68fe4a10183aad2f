/**
 * Simulated Secrets Manager. Staging labels as in the user guide ("Secret versions"), but unlabelled versions are
 * dropped at once (AWS keeps them a while). A secret scheduled for deletion can only be described. No secret values
 * in error messages.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { arn } from '../../shared/partitions';
import { SandboxSetupError, secretsManagerError } from './errors';
import { findAccount } from './iam-entities';
import { newSecretSuffix } from './ids';
import type { CallContext, Operation } from './operations';
import { callerAccount, operation, requestTagContext, requireAllowed, resourceTagContext, tagList, tagRecord } from './operations';
import { checkPolicyDocument } from './policy-documents';
import type { AccountState, SandboxState, SecretState } from './state';

const MAX_TAGS = 50;

/** A new secret with no version; its ARN ends in `secret:<name>-<6 characters>`. */
export function newSecret(account: AccountState, region: string, name: string, nowMs: number, suffix = newSecretSuffix()): SecretState {
  const secretArn = arn(account.partition, 'secretsmanager', region, account.accountId, `secret:${name}-${suffix}`);
  return { arn: secretArn, name, region, tags: {}, createdMs: nowMs, lastChangedMs: nowMs, versions: [] };
}

const invalidParameter = (message: string) => secretsManagerError('InvalidParameterException', message);

const SECRET_ARN = /^arn:[^:]+:secretsmanager:([^:]+):(\d{12}):secret:(.+)$/;

/** Whether a `SecretId` (a name in `region`, or a full or partial ARN) names the secret, as Secrets Manager matches it. */
function namesSecret(secret: SecretState, secretId: string, region: string): boolean {
  const arnMatch = SECRET_ARN.exec(secretId);
  if (!arnMatch) return secret.region === region && secret.name === secretId;
  return secret.region === arnMatch[1] && (secret.arn === secretId || secret.arn.slice(0, -7) === secretId);
}

/**
 * The ARN Secrets Manager authorises a call on `secretId` (a name in `accountId` and `region`, or a full or partial
 * ARN) on: the secret's full ARN (6-character suffix) when it exists, else the ARN without it (CreateSecret, a first read).
 */
export function secretResourceArn(state: SandboxState, secretId: string, accountId: string, region: string): string {
  const owner = findAccount(state, SECRET_ARN.exec(secretId)?.[2] ?? accountId);
  const secret = owner?.secrets.find((candidate) => namesSecret(candidate, secretId, region));
  const partition = findAccount(state, accountId)?.partition ?? state.partition;
  return (
    secret?.arn ?? (secretId.startsWith('arn:') ? secretId : arn(partition, 'secretsmanager', region, accountId, `secret:${secretId}`))
  );
}

/** The secret a `SecretId` names: in the caller's account and region, or by full or partial ARN. */
function lookupSecret(call: CallContext, secretId: string | undefined): { account: AccountState; secret: SecretState } | undefined {
  if (secretId === undefined) return undefined;
  const arnMatch = SECRET_ARN.exec(secretId);
  const account = arnMatch ? findAccount(call.core.state, arnMatch[2]) : callerAccount(call);
  if (!account) return undefined;
  purgeDeleted(account, call.nowMs);
  const secret = account.secrets.find((candidate) => namesSecret(candidate, secretId, call.region));
  return secret && { account, secret };
}

function purgeDeleted(account: AccountState, nowMs: number): void {
  account.secrets = account.secrets.filter((secret) => secret.deletion === undefined || secret.deletion.effectiveMs > nowMs);
}

/** Authorises the call on a secret with its resource policy (a missing one too, as AWS checks first), and returns it. */
async function authorizedSecret(call: CallContext, secretId: string | undefined): Promise<{ account: AccountState; secret: SecretState }> {
  const found = lookupSecret(call, secretId);
  if (!found) {
    await requireAllowed(call, {
      resourceArn: secretResourceArn(call.core.state, secretId ?? '', callerAccount(call).accountId, call.region),
    });
    throw secretsManagerError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }
  const { account, secret } = found;
  await requireAllowed(call, {
    resourceArn: secret.arn,
    resourceAccountId: account.accountId,
    ...(secret.resourcePolicy ? { resourcePolicy: JSON.parse(secret.resourcePolicy) as object } : {}),
    context: { 'secretsmanager:SecretId': secret.arn, ...resourceTagContext(secret.tags) },
  });
  if (secret.deletion !== undefined && call.operation !== 'DescribeSecret') {
    throw secretsManagerError(
      'InvalidRequestException',
      "You can't perform this operation on the secret because it was marked for deletion.",
    );
  }
  return found;
}

/** Moves a staging label onto `target`; when `AWSCURRENT` moves, its old holder gets `AWSPREVIOUS`. */
function attachStage(secret: SecretState, stage: string, target: SecretState['versions'][number]): void {
  const holder = secret.versions.find((version) => version !== target && version.stages.includes(stage));
  if (holder) holder.stages = holder.stages.filter((label) => label !== stage);
  if (!target.stages.includes(stage)) target.stages.push(stage);
  if (stage === 'AWSCURRENT' && holder) attachStage(secret, 'AWSPREVIOUS', holder);
}

function dropUnlabelled(secret: SecretState, nowMs: number): void {
  secret.versions = secret.versions.filter((version) => version.stages.length > 0);
  secret.lastChangedMs = nowMs;
}

/** Adds a version with the given staging labels (default `AWSCURRENT`), moving each. */
export function addVersion(secret: SecretState, versionId: string, secretString: string, nowMs: number, stages = ['AWSCURRENT']): void {
  const version: SecretState['versions'][number] = { versionId, secretString, createdMs: nowMs, stages: [] };
  secret.versions.push(version);
  for (const stage of stages) attachStage(secret, stage, version);
  dropUnlabelled(secret, nowMs);
}

function requireStageLabel(stage: string | undefined, parameter: string): string {
  if (stage === undefined || stage.length < 1 || stage.length > 256) {
    throw invalidParameter(`${parameter} must be a staging label of 1 to 256 characters.`);
  }
  return stage;
}

export const secretsManagerOperations: Operation[] = [
  operation('CreateSecret', CreateSecretCommand, async (input, call) => {
    const account = callerAccount(call);
    const name = input.Name ?? '';
    if (!/^[\w/+=.@-]{1,512}$/.test(name)) {
      throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    }
    const tags = tagRecord(input.Tags);
    if (Object.keys(tags).length > MAX_TAGS) {
      throw secretsManagerError('LimitExceededException', `You can't have more than ${MAX_TAGS} tags on a secret.`);
    }
    const secret = { ...newSecret(account, call.region, name, call.nowMs), description: input.Description, kmsKeyId: input.KmsKeyId, tags };
    await requireAllowed(call, { resourceArn: secret.arn, context: { 'secretsmanager:Name': name, ...requestTagContext(tags) } });
    purgeDeleted(account, call.nowMs);
    const existing = account.secrets.find((candidate) => candidate.region === call.region && candidate.name === name);
    if (existing?.deletion) {
      throw secretsManagerError(
        'InvalidRequestException',
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    if (existing) throw secretsManagerError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const versionId = input.ClientRequestToken ?? randomUUID();
    if (input.SecretString !== undefined) addVersion(secret, versionId, input.SecretString, call.nowMs);
    account.secrets.push(secret);
    return { ARN: secret.arn, Name: secret.name, VersionId: input.SecretString !== undefined ? versionId : undefined };
  }),

  operation('GetSecretValue', GetSecretValueCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    if (input.VersionId !== undefined) throw new SandboxSetupError('AwsSandbox: GetSecretValue by VersionId is not simulated');
    const stage = input.VersionStage ?? 'AWSCURRENT';
    const version = secret.versions.find((candidate) => candidate.stages.includes(stage));
    if (version?.secretString === undefined) {
      throw secretsManagerError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      SecretString: version.secretString,
      VersionStages: [...version.stages],
      CreatedDate: new Date(version.createdMs),
    };
  }),

  operation('PutSecretValue', PutSecretValueCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    if (input.SecretString === undefined) {
      throw new SandboxSetupError('AwsSandbox: PutSecretValue needs a SecretString (SecretBinary is not simulated)');
    }
    if (input.VersionStages?.length === 0) throw invalidParameter('VersionStages must name at least one staging label.');
    const stages = [...new Set(input.VersionStages ?? ['AWSCURRENT'])].map((stage) => requireStageLabel(stage, 'VersionStages'));
    const versionId = input.ClientRequestToken ?? randomUUID();
    const existing = secret.versions.find((version) => version.versionId === versionId);
    // A retried request with the same token is idempotent (labels untouched); a different value under that token is refused.
    if (existing && existing.secretString !== input.SecretString) {
      throw secretsManagerError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
    }
    if (!existing) addVersion(secret, versionId, input.SecretString, call.nowMs, stages);
    const version = secret.versions.find((candidate) => candidate.versionId === versionId)!;
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...version.stages] };
  }),

  operation('UpdateSecretVersionStage', UpdateSecretVersionStageCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    const stage = requireStageLabel(input.VersionStage, 'VersionStage');
    const { MoveToVersionId: moveTo, RemoveFromVersionId: removeFrom } = input;
    if (moveTo === undefined) throw new SandboxSetupError('AwsSandbox: UpdateSecretVersionStage without MoveToVersionId is not simulated');
    const target = secret.versions.find((candidate) => candidate.versionId === moveTo);
    if (!target) {
      throw secretsManagerError('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${moveTo}`);
    }
    const holder = secret.versions.find((version) => version.stages.includes(stage));
    if (removeFrom !== undefined && holder?.versionId !== removeFrom) {
      throw invalidParameter(
        `The staging label ${stage} is not attached to version ${removeFrom}, so you can't remove it from that version.`,
      );
    }
    if (removeFrom === undefined && holder && holder !== target) {
      throw invalidParameter(
        `The staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    attachStage(secret, stage, target);
    dropUnlabelled(secret, call.nowMs);
    return { ARN: secret.arn, Name: secret.name };
  }),

  // Stores the configuration only: the sandbox never invokes a rotation function.
  operation('RotateSecret', RotateSecretCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    const rules = input.RotationRules;
    if (input.RotateImmediately !== false || rules?.ScheduleExpression !== undefined || rules?.Duration !== undefined) {
      throw new SandboxSetupError('AwsSandbox: RotateSecret is simulated with RotateImmediately false and AutomaticallyAfterDays only');
    }
    const days = rules?.AutomaticallyAfterDays ?? secret.rotation?.automaticallyAfterDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 1000)) {
      throw invalidParameter('AutomaticallyAfterDays must be between 1 and 1000.');
    }
    const lambdaArn = input.RotationLambdaARN ?? secret.rotation?.lambdaArn;
    if (lambdaArn === undefined) {
      throw secretsManagerError('InvalidRequestException', 'No Lambda rotation function ARN is associated with this secret.');
    }
    if (!/^arn:[^:]+:lambda:[^:]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/.test(lambdaArn)) {
      throw invalidParameter('RotationLambdaARN must be a Lambda function ARN.');
    }
    secret.rotation = { lambdaArn, ...(days !== undefined ? { automaticallyAfterDays: days } : {}) };
    secret.lastChangedMs = call.nowMs;
    return { ARN: secret.arn, Name: secret.name };
  }),

  operation('DescribeSecret', DescribeSecretCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    const { rotation, tags } = secret;
    return {
      ARN: secret.arn,
      Name: secret.name,
      Description: secret.description,
      KmsKeyId: secret.kmsKeyId,
      Tags: Object.keys(tags).length > 0 ? tagList(tags) : undefined,
      CreatedDate: new Date(secret.createdMs),
      LastChangedDate: new Date(secret.lastChangedMs),
      DeletedDate: secret.deletion ? new Date(secret.deletion.requestedMs) : undefined,
      VersionIdsToStages: Object.fromEntries(secret.versions.map((version) => [version.versionId, [...version.stages]])),
      RotationEnabled: rotation ? true : undefined,
      RotationLambdaARN: rotation?.lambdaArn,
      RotationRules:
        rotation?.automaticallyAfterDays !== undefined ? { AutomaticallyAfterDays: rotation.automaticallyAfterDays } : undefined,
    };
  }),

  operation('PutResourcePolicy', PutResourcePolicyCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    const check = checkPolicyDocument(input.ResourcePolicy ?? '', 'resource');
    if (!check.ok && check.problem === 'too-large') {
      throw secretsManagerError('LimitExceededException', 'The resource policy is larger than 20480 characters.');
    }
    if (!check.ok) throw secretsManagerError('MalformedPolicyDocumentException', check.message);
    secret.resourcePolicy = input.ResourcePolicy!;
    secret.lastChangedMs = call.nowMs;
    return { ARN: secret.arn, Name: secret.name };
  }),

  operation('DeleteSecret', DeleteSecretCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    if (input.ForceDeleteWithoutRecovery) throw new SandboxSetupError('AwsSandbox: ForceDeleteWithoutRecovery is not simulated');
    const days = input.RecoveryWindowInDays ?? 30;
    if (!Number.isInteger(days) || days < 7 || days > 30) {
      throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    secret.deletion = { requestedMs: call.nowMs, effectiveMs: call.nowMs + days * 86_400_000 };
    return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(secret.deletion.effectiveMs) };
  }),
];
