/**
 * The functions' structured logger (Powertools for AWS Lambda). Log only ids, names, states and reasons: never a
 * key, a secret or a credential.
 */
import { Logger } from '@aws-lambda-powertools/logger';

/** Shared logger; `POWERTOOLS_LOG_LEVEL` sets the level (template: INFO). */
export const logger = new Logger({ serviceName: 'datadog-aws-account-onboarding' });
