/**
 * ResolveTarget: validates the execution input (from the starter or typed in the Step Functions console), resolves
 * every setting of the onboarding against the stack's defaults, and tells whether an earlier execution is already
 * onboarding the same account (then this one stops without changes).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { pickEnv, readEnv } from '../../shared/config';
import { InvalidInputError } from '../../shared/errors';
import { logger } from '../../shared/logger';
import { onboardingHandler } from '../../shared/middleware/onboarding-handler';
import { earlierOnboardingOf } from '../../shared/onboarding/account-serialisation';
import { parseExecutionInput, type ExecutionInput } from '../../shared/onboarding/execution-input';
import { parseStepInput } from '../../shared/onboarding/step-inputs';
import { resolveTarget, type OnboardingTarget } from '../../shared/onboarding/target';
import { partitionOfRegion } from '../../shared/partitions';

/** Input: the execution input, and this execution's ARN (`$$.Execution.Id`). */
export interface ResolveTargetEvent {
  input: unknown;
  executionArn: string;
}

/** Output: the state the rest of the execution works on. */
export interface ResolveTargetResult {
  target: OnboardingTarget;
  trigger?: ExecutionInput['trigger'];
  context?: ExecutionInput['context'];
  /** An earlier running execution onboarding the same account, or `null` when this one goes ahead. */
  concurrentExecutionArn: string | null;
}

const sfn = new SFNClient({});
const eventSchema = z.object({
  input: z.unknown(),
  executionArn: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/, 'must be an execution ARN'),
});

/**
 * Resolves the target.
 *
 * @param event - `{input, executionArn}`, the state machine's Parameters of this state.
 * @throws InvalidInputError for a malformed input (one line naming the field), before anything is changed.
 */
export async function resolveTargetStep(event: unknown): Promise<ResolveTargetResult> {
  const { input: rawInput, executionArn } = parseStepInput(eventSchema, event, 'ResolveTarget');
  const input = parseExecutionInput(rawInput);
  const env = readEnv(
    pickEnv(
      'DATADOG_SITE',
      'DATADOG_ROLE_NAME',
      'DATADOG_POLICY_NAME',
      'MEMBER_ACCESS_ROLE_NAME',
      'CONTROL_TOWER_ACCESS_ROLE_NAME',
      'ATTACH_SECURITY_AUDIT',
    ),
  );
  const target = resolveTarget(input, {
    partition: partitionOfRegion(process.env.AWS_REGION ?? 'us-east-1'),
    datadogSite: env.DATADOG_SITE,
    roleName: env.DATADOG_ROLE_NAME,
    policyName: env.DATADOG_POLICY_NAME,
    memberAccessRoleName: env.MEMBER_ACCESS_ROLE_NAME,
    controlTowerAccessRoleName: env.CONTROL_TOWER_ACCESS_ROLE_NAME,
    attachSecurityAudit: env.ATTACH_SECURITY_AUDIT,
  });
  const reachable = [env.MEMBER_ACCESS_ROLE_NAME, env.CONTROL_TOWER_ACCESS_ROLE_NAME];
  if (!reachable.includes(target.memberAccessRoleName)) {
    // The functions may assume only these two roles (template.yaml), so any other name could never work.
    throw new InvalidInputError(`execution input memberAccessRoleName: must be ${reachable.join(' or ')}`, {
      accountId: target.accountId,
      step: 'ResolveTarget',
      remedy: 'Change the MemberAccessRoleName or ControlTowerAccessRoleName parameter to reach another role',
    });
  }
  if (target.roleName !== env.DATADOG_ROLE_NAME) {
    // The validator may assume only the configured role name (template.yaml), so another name could never be proven.
    throw new InvalidInputError(`execution input roleName: must be ${env.DATADOG_ROLE_NAME}`, {
      accountId: target.accountId,
      step: 'ResolveTarget',
      remedy: 'Change the DatadogRoleName parameter to use another role name',
    });
  }
  const concurrentExecutionArn = (await earlierOnboardingOf(sfn, executionArn, target.accountId)) ?? null;
  logger.info('target resolved', { target, concurrentExecutionArn });
  return { target, trigger: input.trigger, context: input.context, concurrentExecutionArn };
}

/** Lambda entry point. */
export const handler = onboardingHandler('ResolveTarget', resolveTargetStep);
