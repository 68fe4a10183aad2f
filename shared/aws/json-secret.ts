/**
 * Reading JSON secrets from Secrets Manager (Powertools Parameters, `transform: 'json'`), from the region the
 * secret's ARN names, with a short cache so a warm function does not read them on every call.
 */
import { TransformParameterError } from '@aws-lambda-powertools/parameters';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';

/** How long a read secret is reused by a warm function, in seconds. */
const CACHE_SECONDS = 300;

const providers = new Map<string, SecretsProvider>();

function providerFor(secretId: string): SecretsProvider {
  // A name (not an ARN) is read in the function's own region.
  const region = secretId.startsWith('arn:') ? (secretId.split(':')[3] ?? '') : '';
  let provider = providers.get(region);
  if (!provider) {
    provider = new SecretsProvider({ clientConfig: region ? { region } : {} });
    providers.set(region, provider);
  }
  return provider;
}

/**
 * Reads a secret (version `AWSCURRENT`) as JSON.
 *
 * @param secretId - the secret's ARN or name.
 * @returns the parsed value, or `undefined` when the secret is not JSON (the caller names the expected format).
 * @throws the Secrets Manager error as `cause` of Powertools' `GetParameterError` (the caller classifies it).
 */
export async function readJsonSecret(secretId: string): Promise<unknown> {
  try {
    return await providerFor(secretId).get(secretId, { maxAge: CACHE_SECONDS, transform: 'json' });
  } catch (error) {
    // Powertools' message quotes JSON.parse's, which quotes the value: it goes no further.
    if (error instanceof TransformParameterError) return undefined;
    throw error;
  }
}

/** The error Secrets Manager raised behind a failed {@link readJsonSecret}. */
export function secretsManagerCause(error: unknown): Error {
  return ((error as { cause?: unknown }).cause ?? error) as Error;
}

/** Forgets every secret read so far (a cold start, for local runs). */
export function forgetSecrets(): void {
  providers.clear();
}
