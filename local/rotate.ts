/**
 * `npm run rotate -- ACCOUNT_ID --state FILE`: rotates the access key Datadog uses for a member account, locally, the
 * way Secrets Manager runs the rotation function (createSecret, setSecret, testSecret, finishSecret), against the
 * sandbox and the embedded Datadog of a saved state.
 */
import { ROTATION_STEPS } from '../shared/onboarding/step-inputs';
import { accessKeySecretName } from '../shared/onboarding/access-key-secret';
import { RotationNotApplicableError } from '../shared/errors';
import type { DatadogSite } from '../shared/datadog-sites';
import { deployLocally, sandboxNames } from './deployment';
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

function keyIdOf(accounts: DatadogAccountRecord[], accountId: string): string | undefined {
  return authOf(accounts, accountId)?.access_key_id;
}

/**
 * Rotates the key of an account onboarded with an access key.
 *
 * @param sandbox - the saved sandbox (it holds the key secret).
 * @param datadogAccounts - the embedded Datadog's registrations.
 */
export async function rotateLocally(options: {
  accountId: string;
  sandbox: AwsSandbox;
  datadogAccounts: DatadogAccountRecord[];
  datadogSite?: DatadogSite;
  /** Called after each step with the key id Datadog holds then (tests check the order of the protocol). */
  afterStep?: (step: (typeof ROTATION_STEPS)[number], datadogAccessKeyId: string | undefined) => void;
}): Promise<LocalRotationSummary> {
  const roleName = authOf(options.datadogAccounts, options.accountId)?.role_name;
  if (roleName !== undefined) {
    const reason = `account ${options.accountId} uses role delegation (role ${roleName}): Datadog holds no access key of it, so rotation does not apply`;
    return { outcome: 'not-applicable', accountId: options.accountId, reason, datadogAccounts: options.datadogAccounts };
  }
  const deployment = await deployLocally({
    sandbox: options.sandbox,
    names: sandboxNames(options.sandbox),
    datadogAccounts: options.datadogAccounts,
    datadogSite: options.datadogSite,
  });
  const previousAccessKeyId = keyIdOf(options.datadogAccounts, options.accountId);
  options.sandbox.install();
  try {
    const { error } = await deployment.rotate(accessKeySecretName(options.accountId), async (step, run) => {
      await run();
      options.afterStep?.(step, keyIdOf(deployment.datadogAccounts(), options.accountId));
    });
    const datadogAccounts = deployment.datadogAccounts();
    if (!error) {
      const accessKeyId = keyIdOf(datadogAccounts, options.accountId);
      return { outcome: 'rotated', accountId: options.accountId, previousAccessKeyId, accessKeyId, datadogAccounts };
    }
    if (error instanceof RotationNotApplicableError) {
      return { outcome: 'not-applicable', accountId: options.accountId, reason: error.message, datadogAccounts };
    }
    const reason = `${error.name}: ${error.message}`;
    return { outcome: 'failed', accountId: options.accountId, previousAccessKeyId, reason, datadogAccounts };
  } finally {
    options.sandbox.restore();
    await deployment.close();
  }
}
