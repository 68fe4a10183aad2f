/**
 * middy middleware: every error leaving a function gets a name the state machine can act on, and is logged once.
 *
 * - This project's errors ({@link OnboardingError}) pass unchanged.
 * - Transient AWS failures (throttling, 5xx, time-outs) become {@link TransientError}, which the state machine retries.
 * - Anything else is wrapped in an {@link OnboardingError} naming the step, so no failure goes unexplained.
 */
import type { MiddlewareObj } from '@middy/core';
import { isAccessDenied, isTransientAwsError } from '../aws/transient-errors';
import { OnboardingError, TransientError } from '../errors';
import { logger } from '../logger';

/** Options of {@link classifyErrors}. */
export interface ClassifyErrorsOptions {
  /** The state name of the function's step, e.g. `ProvisionRole`. */
  step: string;
  /** Reads the account id out of the event, for messages. */
  accountIdOf?: (event: unknown) => string | undefined;
}

/** Builds the middleware. */
export function classifyErrors(options: ClassifyErrorsOptions): MiddlewareObj {
  const classifyErrorsOnError: MiddlewareObj['onError'] = async (request) => {
    const error = request.error;
    if (error == null) return;
    const accountId = options.accountIdOf?.(request.event);
    let classified: Error;
    if (error instanceof OnboardingError) {
      classified = error;
    } else if (isTransientAwsError(error) || error.name === 'EntityAlreadyExistsException') {
      // An entity that "already exists" right after a crash is IAM's eventual consistency: a retry converges on it.
      classified = new TransientError(`${error.name} from AWS`, { accountId, step: options.step, remedy: 'Replay the account if it persists', cause: error });
    } else if (isAccessDenied(error)) {
      classified = new OnboardingError(`AWS refused a call (${error.name}): ${error.message.slice(0, 300)}`, {
        accountId,
        step: options.step,
        remedy: 'Check service control policies, permission boundaries and the policy of the role making the call',
        cause: error,
      });
    } else {
      classified = new OnboardingError(`unexpected ${error.name}: ${error.message.slice(0, 300)}`, {
        accountId,
        step: options.step,
        cause: error,
      });
    }
    logger.error('step failed', { step: options.step, accountId, errorName: classified.name, reason: classified.message });
    request.error = classified;
  };
  return { onError: classifyErrorsOnError };
}
