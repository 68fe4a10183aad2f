/**
 * `npm run rotate -- ACCOUNT_ID --state FILE`: rotates the access key Datadog uses for a member account, locally, as
 * Secrets Manager runs the rotation function, against the sandbox and the embedded Datadog of a saved state.
 */
import { ROTATION_STEPS } from '../shared/onboarding/step-inputs';
import { accessKeySecretName } from '../shared/onboarding/access-key-secret';
import { RotationNotApplicableError } from '../shared/errors';
import type { DatadogSite } from '../shared/datadog-sites';
import { deployLocally, runStateMachines, sandboxNames } from './deployment';
import type { AwsSandbox } from './sandbox';
import type { DatadogAccountRecord } from './datadog/server';

/** The outcome of a local rotation: `not-applicable` for an account Datadog reaches with role delegation. */
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

/**
 * Rotates the key of an account onboarded with an access key, in the saved `sandbox` (it holds the key secret) with
 * the embedded Datadog's registrations `datadogAccounts`.
 */
export async function rotateLocally(options: {
  accountId: string;
  sandbox: AwsSandbox;
  datadogAccounts: DatadogAccountRecord[];
  datadogSite?: DatadogSite;
  /** Called after each step with the key id Datadog holds then (tests check the order of the protocol). */
  afterStep?: (step: (typeof ROTATION_STEPS)[number], datadogAccessKeyId: string | undefined) => void;
}): Promise<LocalRotationSummary> {
  const { accountId, sandbox } = options;
  const roleName = authOf(options.datadogAccounts, accountId)?.role_name;
  if (roleName !== undefined) {
    const reason = `account ${accountId} uses role delegation (role ${roleName}): Datadog holds no access key of it, so rotation does not apply`;
    return { outcome: 'not-applicable', accountId, reason, datadogAccounts: options.datadogAccounts };
  }
  const previousAccessKeyId = authOf(options.datadogAccounts, accountId)?.access_key_id;
  const { datadogAccounts: given, datadogSite } = options;
  const deployment = await deployLocally({ sandbox, names: sandboxNames(sandbox), datadogAccounts: given, datadogSite });
  const keyId = () => authOf(deployment.datadogAccounts(), accountId)?.access_key_id;
  return runStateMachines(deployment, async () => {
    const { error } = await deployment.rotate(accessKeySecretName(accountId), async (step, run) => {
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
