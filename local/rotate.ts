/** `npm run rotate -- ACCOUNT_ID --state FILE`: rotates an account's access key as Secrets Manager runs the rotation function. */
import { ROTATION_STEPS } from '../shared/onboarding/step-inputs';
import { accessKeySecretName } from '../shared/onboarding/access-key-secret';
import { RotationNotApplicableError } from '../shared/errors';
import type { DatadogSite } from '../shared/datadog-sites';
import { deployLocally, runStateMachines, sandboxNames } from './deployment';
import type { AwsSandbox } from './sandbox';
import type { DatadogAccountRecord } from './datadog/server';

/** The outcome of a local rotation: `not-applicable` for an account with role delegation or without a key secret. */
export interface LocalRotationSummary {
  outcome: 'rotated' | 'failed' | 'not-applicable';
  accountId: string;
  previousAccessKeyId?: string;
  accessKeyId?: string;
  reason?: string;
  datadogAccounts: DatadogAccountRecord[];
}

function authOf(accounts: DatadogAccountRecord[], accountId: string): { access_key_id?: string; role_name?: string } | undefined {
  return accounts.find((candidate) => candidate.attributes.aws_account_id === accountId)?.attributes.auth_config;
}

/** Rotates the key of an account onboarded with an access key, in a saved sandbox with the embedded Datadog's registrations. */
export async function rotateLocally(options: {
  accountId: string;
  sandbox: AwsSandbox;
  datadogAccounts: DatadogAccountRecord[];
  datadogSite?: DatadogSite;
  /** Called after each step with the key id Datadog holds then. */
  afterStep?: (step: (typeof ROTATION_STEPS)[number], datadogAccessKeyId: string | undefined) => void;
}): Promise<LocalRotationSummary> {
  const { accountId, sandbox, datadogAccounts: given, datadogSite } = options;
  const notApplicable = (reason: string) => ({ outcome: 'not-applicable' as const, accountId, reason, datadogAccounts: given });
  const roleName = authOf(given, accountId)?.role_name;
  if (roleName !== undefined) {
    return notApplicable(
      `account ${accountId} uses role delegation (role ${roleName}): Datadog holds no access key of it, so rotation does not apply`,
    );
  }
  // Secrets Manager would refuse with ResourceNotFoundException: said as what the state lacks (e.g. the account was never onboarded there).
  const names = sandboxNames(sandbox);
  const secretName = accessKeySecretName(accountId);
  const secretArn = sandbox.secretArn(names.accountId, secretName, names.region);
  if (!secretArn) {
    return notApplicable(
      `account ${accountId} has no access-key secret (${secretName}) in this state: onboard it with an access key first`,
    );
  }
  const previousAccessKeyId = authOf(given, accountId)?.access_key_id;
  const deployment = await deployLocally({ sandbox, names, datadogAccounts: given, datadogSite });
  const keyId = () => authOf(deployment.datadogAccounts(), accountId)?.access_key_id;
  return runStateMachines(deployment, async () => {
    // Secrets Manager invokes the rotation function with the secret's ARN.
    const { error } = await deployment.rotate(secretArn, async (step, run) => {
      await run();
      options.afterStep?.(step, keyId());
    });
    const datadogAccounts = deployment.datadogAccounts();
    if (!error) return { outcome: 'rotated', accountId, previousAccessKeyId, accessKeyId: keyId(), datadogAccounts };
    if (error instanceof RotationNotApplicableError)
      return { outcome: 'not-applicable', accountId, reason: error.message, datadogAccounts };
    return { outcome: 'failed', accountId, previousAccessKeyId, reason: `${error.name}: ${error.message}`, datadogAccounts };
  });
}
