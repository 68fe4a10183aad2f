/**
 * middy middleware: every error leaving a function gets a name the state machine can act on, and is logged once.
 *
 * - This project's errors ({@link OnboardingError}) pass unchanged. A "not yet" of validation
 *   ({@link NotYetUsableError}, retried on schedule by the state machine) is logged at info level: not a failed
 *   onboarding. It still leaves the function as an error (that is how a Task's Retry sees it), so Lambda's own
 *   `Errors` metric of ValidateRole and ValidateAccessKey counts it: no alarm watches those.
 * - An input Powertools Parser refused ({@link ParseError}) becomes {@link InvalidInputError} naming the first wrong
 *   field, never its value.
 * - Transient AWS failures (throttling, 5xx, time-outs) become {@link TransientError}, which the state machine retries.
 * - Anything else is wrapped in an {@link OnboardingError} naming the step, so no failure goes unexplained.
 */
import { ParseError } from '@aws-lambda-powertools/parser/errors';
import type { MiddlewareObj } from '@middy/core';
import { z } from 'zod';
import { isAccessDenied, isTransientAwsError } from '../aws/transient-errors';
import { InvalidInputError, NotYetUsableError, OnboardingError, TransientError } from '../errors';
import { logger } from '../logger';
import { describeFirstIssue } from '../validation';

/** Options of {@link classifyErrors}. */
export interface ClassifyErrorsOptions {
  /** The state name of the function's step, e.g. `ProvisionRole`. */
  step: string;
  /** Reads the account id out of the event, for messages. */
  accountIdOf?: (event: unknown) => string | undefined;
}

/** Builds the middleware. */
export function classifyErrors(options: ClassifyErrorsOptions): MiddlewareObj {
  const classifyErrorsOnError: MiddlewareObj['onError'] = (request) => {
    const error = request.error;
    if (error == null) return;
    const accountId = options.accountIdOf?.(request.event);
    let classified: Error;
    if (error instanceof NotYetUsableError) {
      logger.info('not usable yet; the state machine retries', {
        step: options.step,
        accountId,
        errorName: error.name,
        reason: error.message,
      });
      return;
    }
    if (error instanceof OnboardingError) {
      classified = error;
    } else if (error instanceof ParseError) {
      classified = invalidInput(error, options.step);
    } else if (isTransientAwsError(error) || error.name === 'EntityAlreadyExistsException') {
      // An entity that "already exists" right after a crash is IAM's eventual consistency: a retry converges on it.
      // A network error names itself by its code (ECONNREFUSED…): its name is only `Error`.
      classified = new TransientError(`${(error as { code?: string }).code ?? error.name} from AWS`, {
        accountId,
        step: options.step,
        remedy: 'Replay the account if it persists',
        cause: error,
      });
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

/**
 * The step input Parser refused, as InvalidInputError: `input <field>: <problem>`. Parser's cause holds zod's
 * issues (Standard Schema `validate` of a zod schema); its own message says no more than "Failed to parse schema".
 */
function invalidInput(error: ParseError, step: string): InvalidInputError {
  const issues = Array.isArray(error.cause) ? (error.cause as z.core.$ZodIssue[]) : [];
  return new InvalidInputError(`input ${describeFirstIssue(new z.ZodError(issues), 'input')}`, {
    step,
    remedy: 'The state machine definition and the functions are out of step; redeploy them together',
  });
}
