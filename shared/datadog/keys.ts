/**
 * The Datadog API and application keys, read from Secrets Manager at run time. They never leave this module other
 * than inside the client's auth configuration: never logged, never in an error, never in Step Functions state.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { isTransientAwsError } from '../aws/transient-errors';
import { DatadogKeysError, TransientError, type ErrorContext } from '../errors';

/** The keys. */
export interface DatadogKeys {
  apiKey: string;
  appKey: string;
}

/** Format of the secret: `{"apiKey": "...", "appKey": "..."}` (README, "The Datadog keys secret"). */
const keysSchema = z.object({ apiKey: z.string().min(1), appKey: z.string().min(1) });

/** How long a read secret is reused by a warm function, in seconds. */
const KEYS_CACHE_SECONDS = 300;

/** One provider per region: a secret is read from the region its ARN names. */
const providers = new Map<string, SecretsProvider>();

function providerFor(secretArn: string): SecretsProvider {
  const region = secretArn.split(':')[3] ?? '';
  let provider = providers.get(region);
  if (!provider) {
    provider = new SecretsProvider({ clientConfig: region ? { region } : {} });
    providers.set(region, provider);
  }
  return provider;
}

/** Forgets every key read so far (a cold start, for local runs). */
export function forgetDatadogKeys(): void {
  providers.clear();
}

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
  let value: unknown;
  try {
    value = await providerFor(secretArn).get(secretArn, { maxAge: KEYS_CACHE_SECONDS });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    if (isTransientAwsError(cause)) {
      throw new TransientError(`reading the Datadog keys secret ${secretArn} failed: ${(cause as Error).name}`, context);
    }
    throw new DatadogKeysError(`cannot read the Datadog keys secret ${secretArn}: ${(cause as Error).name}`, {
      ...context,
      remedy: 'Check that the secret exists and that the function may read it (and decrypt it with its KMS key)',
    });
  }
  let parsed: unknown;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : undefined;
  } catch {
    parsed = undefined;
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
