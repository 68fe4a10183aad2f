/**
 * The one shape of every onboarding function: a plain async function (called directly by tests) wrapped with
 * middy for the Lambda runtime, with the Lambda context in the logs and errors classified.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from '../logger';
import { classifyErrors } from './classify-errors';

/** Reads `target.accountId` or `accountId` from a step input, for error messages. */
function accountIdOf(event: unknown): string | undefined {
  const input = event as { accountId?: unknown; target?: { accountId?: unknown } } | null;
  const id = input?.target?.accountId ?? input?.accountId;
  return typeof id === 'string' && /^\d{12}$/.test(id) ? id : undefined;
}

/**
 * Wraps a step function for Lambda.
 *
 * @param step - the state name (or `StartOnboarding` for the starter), used in logs and error messages.
 * @param fn - the plain function: event in, result out.
 */
export function onboardingHandler<TEvent, TResult>(step: string, fn: (event: TEvent) => Promise<TResult>) {
  return middy<TEvent, TResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(classifyErrors({ step, accountIdOf }))
    .handler((event) => fn(event));
}
