/**
 * `npm run rotate -- ACCOUNT_ID --state FILE`: rotates the access key Datadog uses for a member account, locally, the
 * way Secrets Manager runs the rotation function (createSecret, setSecret, testSecret, finishSecret), against the
 * sandbox and the embedded Datadog of a saved state.
 */
import { randomUUID } from 'node:crypto';
import { ROTATION_STEPS } from '../shared/onboarding/rotate-access-key';
import { accessKeySecretName } from '../shared/onboarding/access-key-secret';
import type { DatadogSite } from '../shared/datadog-sites';
import { prepareLocalDeployment } from './run';
import type { AwsSandbox } from './sandbox';
import type { DatadogAccountRecord } from './datadog/server';

/** The outcome of a local rotation. */
export interface LocalRotationSummary {
  outcome: 'rotated' | 'failed';
  accountId: string;
  previousAccessKeyId?: string;
  accessKeyId?: string;
  reason?: string;
  datadogAccounts: DatadogAccountRecord[];
}

function keyIdOf(accounts: DatadogAccountRecord[], accountId: string): string | undefined {
  const account = accounts.find((candidate) => candidate.attributes.aws_account_id === accountId);
  return (account?.attributes.auth_config as { access_key_id?: string } | undefined)?.access_key_id;
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
  const deployment = await prepareLocalDeployment({ input: {}, sandbox: options.sandbox, datadogAccounts: options.datadogAccounts, datadogSite: options.datadogSite });
  const previousAccessKeyId = keyIdOf(options.datadogAccounts, options.accountId);
  const event = { SecretId: accessKeySecretName(options.accountId), ClientRequestToken: randomUUID() };
  const sleep = async (seconds: number) => options.sandbox.clock.advance(seconds);
  options.sandbox.install();
  try {
    for (const Step of ROTATION_STEPS) {
      // Loaded inside the function's environment, like a Lambda cold start (its logger reads the log level then).
      await deployment.functions.within('RotateAccessKeyFunction', async () => {
        const { rotateAccessKeyStep } = await import('../functions/rotate-access-key/index');
        await rotateAccessKeyStep({ ...event, Step }, sleep);
      });
      options.afterStep?.(Step, keyIdOf(deployment.datadogAccounts(), options.accountId));
    }
    const datadogAccounts = deployment.datadogAccounts();
    return { outcome: 'rotated', accountId: options.accountId, previousAccessKeyId, accessKeyId: keyIdOf(datadogAccounts, options.accountId), datadogAccounts };
  } catch (error) {
    return { outcome: 'failed', accountId: options.accountId, previousAccessKeyId, reason: `${(error as Error).name}: ${(error as Error).message}`, datadogAccounts: deployment.datadogAccounts() };
  } finally {
    options.sandbox.restore();
    await deployment.close();
  }
}
