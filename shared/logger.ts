/**
 * The functions' structured logger (Powertools for AWS Lambda). Log only ids, names, states and reasons: never a
 * key, a secret or a credential.
 */
import { Logger } from '@aws-lambda-powertools/logger';

/** The application's name in logs (`service`) and the `service` dimension of its metrics. */
export const SERVICE_NAME = 'datadog-aws-account-onboarding';

/** Shared logger; `POWERTOOLS_LOG_LEVEL` sets the level (template: INFO). */
export const logger = new Logger({ serviceName: SERVICE_NAME });
