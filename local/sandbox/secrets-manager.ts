/**
 * The simulated Secrets Manager API (Secrets Manager API reference), the operations the product calls:
 * CreateSecret, GetSecretValue, PutSecretValue, DescribeSecret, PutResourcePolicy, UpdateSecretVersionStage,
 * RotateSecret, DeleteSecret.
 *
 * DeleteSecret schedules the deletion (a recovery window of 7 to 30 days, default 30) or deletes at once
 * (`ForceDeleteWithoutRecovery`); a secret scheduled for deletion can only be described (`DeletedDate`), every other
 * call and a CreateSecret of its name answer `InvalidRequestException`; after the window it is gone.
 *
 * Staging labels follow the Secrets Manager user guide ("Rotation by Lambda function", "Secret versions"): a label
 * is on at most one version; when `AWSCURRENT` moves, the version that had it gets `AWSPREVIOUS`. Unlike AWS, which
 * keeps unlabelled (deprecated) versions for a while, the sandbox drops a version as soon as it has no label left.
 * RotateSecret only records the rotation configuration: the sandbox never invokes a rotation function.
 *
 * Secrets live per account and region: a name is looked up in the caller's account and the client's region; a
 * full or partial ARN (without the 6-character suffix) may name a secret of another account, which the caller
 * can read only when the secret's resource policy allows it (cross-account evaluation).
 *
 * Secret values never appear in error messages.
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
import type { RotationRulesType, SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { arn } from '../../shared/partitions';
import { SandboxSetupError, secretsManagerError } from './errors';
import { findAccount } from './iam-entities';
import { newSecretSuffix, newUuid } from './ids';
import type { CallContext, Operation } from './operations';
import { callerAccount, operation, requestTagContext, requireAllowed, resourceTagContext, tagList, tagRecord } from './operations';
import { checkPolicyDocument } from './policy-documents';
import type { AccountState, SecretState, SecretVersionState } from './state';

const MAX_TAGS = 50;

/** Secret ARN: `arn:<p>:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>`. */
export function secretArnOf(account: AccountState, region: string, name: string, suffix = newSecretSuffix()): string {
  return arn(account.partition, 'secretsmanager', region, account.accountId, `secret:${name}-${suffix}`);
}

const notFound = () => secretsManagerError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

/** The secret a `SecretId` names (name in the caller's account and region, or full or partial ARN), if any. */
function lookupSecret(call: CallContext, secretId: string | undefined): { account: AccountState; secret: SecretState } | undefined {
  if (secretId === undefined) return undefined;
  const arnMatch = /^arn:[^:]+:secretsmanager:([^:]+):(\d{12}):secret:(.+)$/.exec(secretId);
  const account = arnMatch ? findAccount(call.core.state, arnMatch[2]) : callerAccount(call);
  if (!account) return undefined;
  purgeDeleted(account, call.nowMs);
  const secret = account.secrets.find((candidate) =>
    arnMatch
      ? candidate.region === arnMatch[1] && (candidate.arn === secretId || candidate.arn.slice(0, -7) === secretId)
      : candidate.region === call.region && candidate.name === secretId,
  );
  return secret && { account, secret };
}

/** Forgets the secrets whose recovery window has ended: Secrets Manager has deleted them for good. */
function purgeDeleted(account: AccountState, nowMs: number): void {
  account.secrets = account.secrets.filter((secret) => secret.deletion === undefined || secret.deletion.effectiveMs > nowMs);
}

const markedForDeletion = () =>
  secretsManagerError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");

/** The operations a secret scheduled for deletion still answers. */
const ALLOWED_WHILE_DELETING = new Set(['DescribeSecret']);

/** Recovery window of DeleteSecret, days (Secrets Manager API reference, DeleteSecret `RecoveryWindowInDays`). */
const RECOVERY_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;

/**
 * Authorises the call on a secret, with its resource policy, and returns it.
 *
 * @throws AccessDeniedException when denied (also for a secret that does not exist, as AWS checks first);
 *   ResourceNotFoundException when it does not exist.
 */
async function authorizedSecret(
  call: CallContext,
  secretId: string | undefined,
  context: Record<string, string | string[]> = {},
): Promise<{ account: AccountState; secret: SecretState }> {
  const found = lookupSecret(call, secretId);
  if (!found) {
    const account = callerAccount(call);
    const guess = secretId?.startsWith('arn:')
      ? secretId
      : arn(account.partition, 'secretsmanager', call.region, account.accountId, `secret:${secretId ?? ''}`);
    await requireAllowed(call, { resourceArn: guess, context });
    throw notFound();
  }
  const { account, secret } = found;
  await requireAllowed(call, {
    resourceArn: secret.arn,
    resourceAccountId: account.accountId,
    ...(secret.resourcePolicy ? { resourcePolicy: JSON.parse(secret.resourcePolicy) as object } : {}),
    context: { 'secretsmanager:SecretId': secret.arn, ...resourceTagContext(secret.tags), ...context },
  });
  if (secret.deletion !== undefined && !ALLOWED_WHILE_DELETING.has(call.operation)) throw markedForDeletion();
  return found;
}

function mergeSecretTags(existing: Record<string, string>, added: { Key?: string; Value?: string }[] | undefined) {
  const merged = { ...existing, ...tagRecord(added) };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw secretsManagerError('LimitExceededException', `You can't have more than ${MAX_TAGS} tags on a secret.`);
  }
  return merged;
}

function versionIdsToStages(secret: SecretState): Record<string, string[]> {
  return Object.fromEntries(secret.versions.map((version) => [version.versionId, [...version.stages]]));
}

function listEntry(secret: SecretState): SecretListEntry {
  const tags = tagList(secret.tags);
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description !== undefined ? { Description: secret.description } : {}),
    ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
    ...(tags.length > 0 ? { Tags: tags } : {}),
    CreatedDate: new Date(secret.createdMs),
    LastChangedDate: new Date(secret.lastChangedMs),
    ...(secret.deletion ? { DeletedDate: new Date(secret.deletion.requestedMs) } : {}),
    SecretVersionsToStages: versionIdsToStages(secret),
    ...rotationFields(secret),
  };
}

/** `RotationEnabled`, `RotationLambdaARN`, `RotationRules` as DescribeSecret shows them, once set. */
function rotationFields(secret: SecretState): Pick<SecretListEntry, 'RotationEnabled' | 'RotationLambdaARN' | 'RotationRules'> {
  const rotation = secret.rotation;
  if (!rotation) return {};
  const rules = rotation.rules;
  return {
    RotationEnabled: rotation.enabled,
    ...(rotation.lambdaArn !== undefined ? { RotationLambdaARN: rotation.lambdaArn } : {}),
    ...(rules
      ? {
          RotationRules: {
            ...(rules.automaticallyAfterDays !== undefined ? { AutomaticallyAfterDays: rules.automaticallyAfterDays } : {}),
            ...(rules.scheduleExpression !== undefined ? { ScheduleExpression: rules.scheduleExpression } : {}),
            ...(rules.duration !== undefined ? { Duration: rules.duration } : {}),
          },
        }
      : {}),
  };
}

/**
 * Puts a staging label on `target`, taking it off the version that had it (a label is on at most one version).
 * When `AWSCURRENT` moves, the version that had it gets `AWSPREVIOUS`, as Secrets Manager does. Does not drop
 * unlabelled versions (see {@link dropUnlabelled}).
 */
function attachStage(secret: SecretState, stage: string, target: SecretVersionState): void {
  const holder = secret.versions.find((version) => version !== target && version.stages.includes(stage));
  if (holder) holder.stages = holder.stages.filter((label) => label !== stage);
  if (!target.stages.includes(stage)) target.stages.push(stage);
  if (stage === 'AWSCURRENT' && holder) attachStage(secret, 'AWSPREVIOUS', holder);
}

/** Drops versions with no staging label left (AWS keeps them as deprecated versions for a while; the sandbox does not). */
function dropUnlabelled(secret: SecretState): void {
  secret.versions = secret.versions.filter((version) => version.stages.length > 0);
}

/**
 * Adds a version with the given staging labels (default `AWSCURRENT`), moving each label from the version that
 * had it; see {@link attachStage}.
 */
function addVersion(secret: SecretState, versionId: string, secretString: string, nowMs: number, stages: string[] = ['AWSCURRENT']): void {
  const version: SecretVersionState = { versionId, secretString, createdMs: nowMs, stages: [] };
  secret.versions.push(version);
  for (const stage of stages) attachStage(secret, stage, version);
  dropUnlabelled(secret);
  secret.lastChangedMs = nowMs;
}

/** Checks a staging label (1 to 256 characters, Secrets Manager API reference). */
function requireStageLabel(stage: string | undefined, parameter: string): string {
  if (stage === undefined || stage.length < 1 || stage.length > 256) {
    throw secretsManagerError('InvalidParameterException', `${parameter} must be a staging label of 1 to 256 characters.`);
  }
  return stage;
}

/** Checks RotateSecret's `RotationRules` and converts them to the stored form. */
function rotationRules(rules: RotationRulesType): NonNullable<NonNullable<SecretState['rotation']>['rules']> {
  const { AutomaticallyAfterDays: days, ScheduleExpression: schedule, Duration: duration } = rules;
  if (days !== undefined && schedule !== undefined) {
    throw secretsManagerError('InvalidParameterException', "You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
  }
  if (days === undefined && schedule === undefined) {
    throw secretsManagerError('InvalidParameterException', 'RotationRules needs AutomaticallyAfterDays or ScheduleExpression.');
  }
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 1000)) {
    throw secretsManagerError('InvalidParameterException', 'AutomaticallyAfterDays must be between 1 and 1000.');
  }
  if (schedule !== undefined && !/^(rate|cron)\(.+\)$/.test(schedule)) {
    throw secretsManagerError('InvalidParameterException', 'ScheduleExpression must be a rate() or cron() expression.');
  }
  if (duration !== undefined && !/^\d+h$/.test(duration)) {
    throw secretsManagerError('InvalidParameterException', 'Duration must be a number of hours, such as 3h.');
  }
  return {
    ...(days !== undefined ? { automaticallyAfterDays: days } : {}),
    ...(schedule !== undefined ? { scheduleExpression: schedule } : {}),
    ...(duration !== undefined ? { duration } : {}),
  };
}

/** The Secrets Manager operations. */
export const secretsManagerOperations: Operation[] = [
  operation('CreateSecret', CreateSecretCommand, async (input, call) => {
    const account = callerAccount(call);
    const name = input.Name ?? '';
    if (!/^[\w/+=.@-]{1,512}$/.test(name)) {
      throw secretsManagerError(
        'InvalidParameterException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    if (input.SecretBinary !== undefined) throw new SandboxSetupError('AwsSandbox: SecretBinary is not simulated');
    const tags = mergeSecretTags({}, input.Tags);
    const secretArn = secretArnOf(account, call.region, name);
    await requireAllowed(call, { resourceArn: secretArn, context: { 'secretsmanager:Name': name, ...requestTagContext(tags) } });
    purgeDeleted(account, call.nowMs);
    const existing = account.secrets.find((secret) => secret.region === call.region && secret.name === name);
    if (existing?.deletion) {
      throw secretsManagerError(
        'InvalidRequestException',
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    if (existing) throw secretsManagerError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const secret: SecretState = {
      arn: secretArn,
      name,
      region: call.region,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      ...(input.KmsKeyId !== undefined ? { kmsKeyId: input.KmsKeyId } : {}),
      tags,
      createdMs: call.nowMs,
      lastChangedMs: call.nowMs,
      versions: [],
    };
    const versionId = input.ClientRequestToken ?? newUuid();
    if (input.SecretString !== undefined) addVersion(secret, versionId, input.SecretString, call.nowMs);
    account.secrets.push(secret);
    return { ARN: secret.arn, Name: secret.name, ...(input.SecretString !== undefined ? { VersionId: versionId } : {}) };
  }),

  operation('GetSecretValue', GetSecretValueCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    const stage = input.VersionStage ?? (input.VersionId === undefined ? 'AWSCURRENT' : undefined);
    const version = secret.versions.find(
      (candidate) =>
        (input.VersionId === undefined || candidate.versionId === input.VersionId) &&
        (stage === undefined || candidate.stages.includes(stage)),
    );
    if (!version || version.secretString === undefined) {
      throw secretsManagerError(
        'ResourceNotFoundException',
        input.VersionId !== undefined
          ? `Secrets Manager can't find the specified secret value for VersionId: ${input.VersionId}`
          : `Secrets Manager can't find the specified secret value for staging label: ${stage ?? ''}`,
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
    if (input.SecretBinary !== undefined || input.SecretString === undefined) {
      throw new SandboxSetupError('AwsSandbox: PutSecretValue needs a SecretString (SecretBinary is not simulated)');
    }
    if (input.VersionStages !== undefined && input.VersionStages.length === 0) {
      throw secretsManagerError('InvalidParameterException', 'VersionStages must name at least one staging label.');
    }
    const stages = [...new Set(input.VersionStages ?? ['AWSCURRENT'])].map((stage) => requireStageLabel(stage, 'VersionStages'));
    const versionId = input.ClientRequestToken ?? newUuid();
    const existing = secret.versions.find((version) => version.versionId === versionId);
    if (existing) {
      // A retried request with the same token is idempotent (labels untouched); a different value under that token is refused.
      if (existing.secretString !== input.SecretString) {
        throw secretsManagerError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
      }
    } else {
      addVersion(secret, versionId, input.SecretString, call.nowMs, stages);
    }
    const version = secret.versions.find((candidate) => candidate.versionId === versionId)!;
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...version.stages] };
  }),

  /**
   * Moves a staging label (Secrets Manager API reference, UpdateSecretVersionStage): onto `MoveToVersionId`, off
   * `RemoveFromVersionId`. Moving a label that is attached to another version requires `RemoveFromVersionId` to
   * name that version; with no `MoveToVersionId` the label is only removed (never `AWSCURRENT`). When `AWSCURRENT`
   * moves, the version that had it gets `AWSPREVIOUS`. Versions left with no label are dropped.
   *
   * @throws InvalidParameterException for a bad label or `RemoveFromVersionId`; ResourceNotFoundException for an
   *   unknown version id.
   */
  operation('UpdateSecretVersionStage', UpdateSecretVersionStageCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    const stage = requireStageLabel(input.VersionStage, 'VersionStage');
    const { MoveToVersionId: moveTo, RemoveFromVersionId: removeFrom } = input;
    if (moveTo === undefined && removeFrom === undefined) {
      throw secretsManagerError('InvalidParameterException', 'Specify MoveToVersionId, RemoveFromVersionId or both.');
    }
    const versionById = (versionId: string) => {
      const version = secret.versions.find((candidate) => candidate.versionId === versionId);
      if (!version)
        throw secretsManagerError('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${versionId}`);
      return version;
    };
    const target = moveTo === undefined ? undefined : versionById(moveTo);
    const source = removeFrom === undefined ? undefined : versionById(removeFrom);
    const holder = secret.versions.find((version) => version.stages.includes(stage));
    if (source && source !== holder) {
      throw secretsManagerError(
        'InvalidParameterException',
        `The staging label ${stage} is not attached to version ${source.versionId}, so you can't remove it from that version.`,
      );
    }
    if (target && holder && holder !== target && !source) {
      throw secretsManagerError(
        'InvalidParameterException',
        `The staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    if (!target && stage === 'AWSCURRENT') {
      throw secretsManagerError(
        'InvalidParameterException',
        "You can't remove the staging label AWSCURRENT without moving it to another version.",
      );
    }
    if (target) attachStage(secret, stage, target);
    else if (source) source.stages = source.stages.filter((label) => label !== stage);
    dropUnlabelled(secret);
    secret.lastChangedMs = call.nowMs;
    return { ARN: secret.arn, Name: secret.name };
  }),

  /**
   * Configures rotation (Secrets Manager API reference, RotateSecret): stores `RotationLambdaARN` (or keeps the one
   * already set) and `RotationRules` (`AutomaticallyAfterDays` or `ScheduleExpression`, optional `Duration`), shown
   * by DescribeSecret with `RotationEnabled: true`.
   *
   * The sandbox NEVER invokes the rotation function: when `RotateImmediately` is true or absent it only records
   * the request time (`rotation.lastRotationRequestedMs` in the state) and returns no `VersionId`, as no version is
   * created. Drive a rotation function's four steps against the sandbox yourself if a test needs them.
   *
   * @throws InvalidRequestException when no rotation function ARN is given or stored, when an immediate rotation is
   *   asked for while an `AWSPENDING` version (not also `AWSCURRENT`) exists, or for a secret scheduled for
   *   deletion; InvalidParameterException for invalid rules or ARN.
   */
  operation('RotateSecret', RotateSecretCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    if (
      input.RotationLambdaARN !== undefined &&
      !/^arn:[^:]+:lambda:[^:]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/.test(input.RotationLambdaARN)
    ) {
      throw secretsManagerError('InvalidParameterException', 'RotationLambdaARN must be a Lambda function ARN.');
    }
    const rules = input.RotationRules ? rotationRules(input.RotationRules) : secret.rotation?.rules;
    const lambdaArn = input.RotationLambdaARN ?? secret.rotation?.lambdaArn;
    if (lambdaArn === undefined) {
      throw secretsManagerError('InvalidRequestException', 'No Lambda rotation function ARN is associated with this secret.');
    }
    const immediately = input.RotateImmediately ?? true;
    if (immediately && secret.versions.some((version) => version.stages.includes('AWSPENDING') && !version.stages.includes('AWSCURRENT'))) {
      throw secretsManagerError('InvalidRequestException', "A previous rotation isn't complete. That rotation will be reattempted.");
    }
    const lastRotationRequestedMs = immediately ? call.nowMs : secret.rotation?.lastRotationRequestedMs;
    secret.rotation = {
      enabled: true,
      lambdaArn,
      ...(rules ? { rules } : {}),
      ...(lastRotationRequestedMs !== undefined ? { lastRotationRequestedMs } : {}),
    };
    secret.lastChangedMs = call.nowMs;
    return { ARN: secret.arn, Name: secret.name };
  }),

  operation('DescribeSecret', DescribeSecretCommand, async (input, call) => {
    const { secret } = await authorizedSecret(call, input.SecretId);
    const entry = listEntry(secret);
    const { SecretVersionsToStages, ...rest } = entry;
    return { ...rest, VersionIdsToStages: SecretVersionsToStages };
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
    const { account, secret } = await authorizedSecret(call, input.SecretId);
    const days = input.RecoveryWindowInDays;
    if (days !== undefined && input.ForceDeleteWithoutRecovery) {
      throw secretsManagerError(
        'InvalidParameterException',
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    if (days !== undefined && (!Number.isInteger(days) || days < RECOVERY_WINDOW_DAYS.min || days > RECOVERY_WINDOW_DAYS.max)) {
      throw secretsManagerError('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    if (input.ForceDeleteWithoutRecovery) {
      account.secrets = account.secrets.filter((candidate) => candidate !== secret);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(call.nowMs) };
    }
    const effectiveMs = call.nowMs + (days ?? RECOVERY_WINDOW_DAYS.default) * 86_400_000;
    secret.deletion = { requestedMs: call.nowMs, effectiveMs };
    return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(effectiveMs) };
  }),
];
