/**
 * Simulated STS: AssumeRole (no session policies) evaluates the trust policy and the caller's identity policies
 * (IAM User Guide, "Cross-account policy evaluation logic"), after propagation; and GetCallerIdentity.
 */
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { notAuthorized, stsError, validationError } from './errors';
import { effectiveTrustPolicy, findAccount, findRole, iamArnOf } from './iam-entities';
import { roleSessionCaller } from './identity';
import { newAccessKeyId, newSecretAccessKey, newSessionToken } from './ids';
import type { Operation } from './operations';
import { operation, resourceTagContext } from './operations';
import { authorize } from './policy-evaluation';

/** Seconds (STS API reference, AssumeRole). */
const SESSION_DURATION = { min: 900, max: 43200, default: 3600 } as const;
/** Seconds, for role chaining (IAM User Guide, "Roles terms and concepts"). */
const ROLE_CHAINING_MAX_SECONDS = 3600;

export const stsOperations: Operation[] = [
  operation('AssumeRole', AssumeRoleCommand, async (input, call) => {
    const { state } = call.core;
    const { caller } = call;
    const roleArn = input.RoleArn ?? '';
    const sessionName = input.RoleSessionName ?? '';
    const duration = input.DurationSeconds ?? SESSION_DURATION.default;

    const parsed = /^arn:([^:]+):iam::(\d{12}):role\/(.+)$/.exec(roleArn);
    if (!parsed) throw stsError('ValidationError', `${roleArn} is invalid`);
    const invalid = (field: string, value: string, constraint: string) => validationError('sts', field, value, constraint);
    if (sessionName.length < 2 || sessionName.length > 64) {
      throw invalid('roleSessionName', sessionName, 'Member must have length between 2 and 64');
    }
    if (!/^[\w+=,.@-]+$/.test(sessionName)) {
      throw invalid('roleSessionName', sessionName, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
    }
    const { min, max } = SESSION_DURATION;
    const bound = duration < min ? `greater than or equal to ${min}` : duration > max ? `less than or equal to ${max}` : undefined;
    if (bound) throw invalid('durationSeconds', String(duration), `Member must have value ${bound}`);
    if (input.ExternalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(input.ExternalId)) {
      throw invalid('externalId', input.ExternalId, 'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*');
    }
    // Anything that stops the role from being assumed reads the same to the caller, as in STS.
    const denied = () => notAuthorized('sts', caller.arn, 'sts:AssumeRole', `on resource: ${roleArn}`);
    const [, partition, accountId, roleResource] = parsed;
    // iam-simulate ignores the partition when matching principals, so roles of another partition are refused here:
    // no role can be assumed across partitions (AWS GovCloud (US) User Guide, "Differences": separate IAM).
    if (partition !== caller.partition) throw denied();
    const account = findAccount(state, accountId);
    if (!account || account.partition !== partition || account.state !== 'ACTIVE') throw denied();
    const role = findRole(account, roleResource.slice(roleResource.lastIndexOf('/') + 1));
    if (!role || iamArnOf(account, 'role', role.path, role.roleName) !== roleArn) throw denied();
    const trustPolicy = effectiveTrustPolicy(role, call.nowMs);
    if (trustPolicy === undefined) throw denied();
    const decision = await authorize(
      state,
      caller,
      {
        action: 'sts:AssumeRole',
        resourceArn: roleArn,
        resourceAccountId: account.accountId,
        resourcePolicy: JSON.parse(trustPolicy) as object,
        context: {
          ...resourceTagContext(role.tags),
          'sts:RoleSessionName': sessionName,
          ...(input.ExternalId !== undefined ? { 'sts:ExternalId': input.ExternalId } : {}),
        },
      },
      call.nowMs,
    );
    if (!decision.allowed) throw denied();

    if (duration > role.maxSessionDurationSeconds) {
      throw stsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    }
    if (caller.principalType === 'AssumedRole' && duration > ROLE_CHAINING_MAX_SECONDS) {
      throw stsError(
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }

    const session = {
      accessKeyId: newAccessKeyId('session'),
      secretAccessKey: newSecretAccessKey(),
      sessionToken: newSessionToken(),
      accountId: account.accountId,
      partition: account.partition,
      roleName: role.roleName,
      roleId: role.roleId,
      sessionName,
      expiresMs: call.nowMs + duration * 1000,
    };
    state.sessions[session.accessKeyId] = session;
    const { arn, userId } = roleSessionCaller(session, role);
    return {
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken,
        Expiration: new Date(session.expiresMs),
      },
      AssumedRoleUser: { AssumedRoleId: userId, Arn: arn },
    };
  }),

  // Needs no permission: "No permissions are required to perform this operation" (STS API reference, GetCallerIdentity).
  operation('GetCallerIdentity', GetCallerIdentityCommand, (_input, call) =>
    Promise.resolve({ UserId: call.caller.userId, Account: call.caller.accountId, Arn: call.caller.arn }),
  ),
];
