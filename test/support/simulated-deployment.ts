/**
 * The names of a deployment of `template.yaml` in the least-privilege simulation: one stack in account 111122223333,
 * named as the local run names things (`<stack>-<LogicalId>`), so simulated and recorded calls share ARNs.
 */
import { stackResolution } from '../../local/deployment';
import { localFunctionArn, localRoleArn, type LocalNames } from '../../local/functions';
import type { Template } from '../../local/template';
import { iamRegion } from '../../shared/aws/regions';
import type { DatadogSite } from '../../shared/datadog-sites';

/** The partitions the least-privilege proof runs for (`aws-cn` has no role delegation to Datadog). */
export const SIMULATED_PARTITIONS = ['aws', 'aws-us-gov'] as const;

/** One of {@link SIMULATED_PARTITIONS}. */
export type SimulatedPartition = (typeof SIMULATED_PARTITIONS)[number];

export const STACK_ACCOUNT_ID = '111122223333';
/** The organization of the stack's account and of every member account of the simulation. */
const ORGANIZATION_ID = 'o-exampleorgid';
/** An account that belongs to no organization of the simulation (someone else's). */
export const OUTSIDE_ACCOUNT_ID = '999988887777';

/** A Datadog site with role delegation in each partition. */
const SITE: Record<SimulatedPartition, DatadogSite> = { aws: 'datadoghq.com', 'aws-us-gov': 'ddog-gov.com' };

/** A deployment of the template, as the simulation names it; `secretArn` is the `DatadogKeysSecretArn` parameter. */
export type SimulatedDeployment = ReturnType<typeof simulatedDeployment>;

/** Names a deployment of the template in a partition (default keys secret `…:secret:datadog-onboarding/datadog-keys-AbCdEf`). */
export function simulatedDeployment(
  template: Template,
  partition: SimulatedPartition,
  options: { secretArn?: string; stackName?: string; parameters?: Record<string, string> } = {},
) {
  const region = iamRegion(partition);
  const names: LocalNames = { partition, region, accountId: STACK_ACCOUNT_ID, stackName: options.stackName ?? 'datadog-onboarding' };
  const secretArn =
    options.secretArn ?? `arn:${partition}:secretsmanager:${region}:${STACK_ACCOUNT_ID}:secret:datadog-onboarding/datadog-keys-AbCdEf`;
  const datadogSite = (options.parameters?.DatadogSite as DatadogSite | undefined) ?? SITE[partition];
  const resolution = stackResolution(template, names, {
    LogLevel: 'SILENT',
    ...options.parameters,
    DatadogKeysSecretArn: secretArn,
    DatadogSite: datadogSite,
  });
  return {
    partition,
    datadogSite,
    names,
    resolution,
    secretArn,
    stateMachineArn: String(resolution.resources.OnboardingStateMachine),
    validatorRoleArn: localRoleArn(names, 'ValidatorRole'),
    functionArn: (logicalId: string) => localFunctionArn(names, logicalId),
    /** {@link ORGANIZATION_ID}, or `undefined` for {@link OUTSIDE_ACCOUNT_ID}. */
    organizationOf: (accountId: string | undefined) => (accountId === OUTSIDE_ACCOUNT_ID ? undefined : ORGANIZATION_ID),
    /** Session ARN of an execution role: `arn:<p>:sts::<account>:assumed-role/<role>/<session>`. */
    sessionArn: (roleLogicalId: string, sessionName: string) =>
      `arn:${partition}:sts::${STACK_ACCOUNT_ID}:assumed-role/${localRoleArn(names, roleLogicalId).split('/').pop()}/${sessionName}`,
  };
}
