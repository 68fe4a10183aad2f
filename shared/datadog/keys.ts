/**
 * The Datadog API and application keys, read from Secrets Manager at run time. They never leave this module other
 * than inside the client's auth configuration: never logged, never in an error, never in Step Functions state.
 */
import { z } from 'zod';
import { readJsonSecret, secretsManagerCause } from '../aws/json-secret';
import { isTransientAwsError } from '../aws/transient-errors';
import { DatadogKeysError, TransientError, type ErrorContext } from '../errors';

/** The keys. */
export interface DatadogKeys {
  apiKey: string;
  appKey: string;
}

/** Format of the secret: `{"apiKey": "...", "appKey": "..."}` (README, "Deploying", step 1). */
const keysSchema = z.object({ apiKey: z.string().min(1), appKey: z.string().min(1) });

/**
 * Reads the keys from the secret.
 *
 * @param secretArn - ARN of the secret (parameter `DatadogKeysSecretArn`).
 * @param context - the account and step, for error messages.
 * @throws DatadogKeysError when the secret is missing, unreadable or not in the expected format; the message names
 *   the secret and the problem, never a value.
 * @throws TransientError on throttling or a Secrets Manager outage.
 */
export async function readDatadogKeys(secretArn: string, context: ErrorContext = {}): Promise<DatadogKeys> {
  let parsed: unknown;
  try {
    parsed = await readJsonSecret(secretArn);
  } catch (error) {
    const cause = secretsManagerCause(error);
    if (isTransientAwsError(cause)) {
      throw new TransientError(`reading the Datadog keys secret ${secretArn} failed: ${cause.name}`, context);
    }
    throw new DatadogKeysError(`cannot read the Datadog keys secret ${secretArn}: ${cause.name}`, {
      ...context,
      remedy: 'Check that the secret exists and that the function may read it (and decrypt it with its KMS key)',
    });
  }
  const keys = keysSchema.safeParse(parsed);
  if (!keys.success) {
    throw new DatadogKeysError(`the Datadog keys secret ${secretArn} is not JSON with non-empty "apiKey" and "appKey"`, {
      ...context,
      remedy: 'Store {"apiKey": "<Datadog API key>", "appKey": "<Datadog application key>"} in the secret',
    });
  }
  return keys.data;
}
