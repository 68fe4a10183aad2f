/**
 * The one shape of every onboarding function: a plain async function (called directly by tests) wrapped with
 * middy for the Lambda runtime, with the Lambda context in the logs, the input parsed (Powertools Parser), errors
 * classified, and the metrics the function stored flushed as EMF when it ends, failed or not (Powertools Metrics'
 * `logMetrics`).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { logger } from '../logger';
import { metrics } from '../observability/metrics';
import { classifyErrors } from './classify-errors';

/** Reads `target.accountId` or `accountId` from a step input, for error messages. */
function accountIdOf(event: unknown): string | undefined {
  const input = event as { accountId?: unknown; target?: { accountId?: unknown } } | null;
  const id = input?.target?.accountId ?? input?.accountId;
  return typeof id === 'string' && /^\d{12}$/.test(id) ? id : undefined;
}

/**
 * Wraps a function that takes any event (the starter decides itself what an event means) for Lambda.
 *
 * @param step - the function's name in logs and error messages, e.g. `StartOnboarding`.
 * @param fn - the plain function: event in, result out.
 */
export function onboardingHandler<TResult>(step: string, fn: (event: unknown) => Promise<TResult>) {
  return middy<unknown, TResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(classifyErrors({ step, accountIdOf }))
    .handler((event) => fn(event));
}

/**
 * Wraps a step function for Lambda: its input is parsed with `schema` first (Powertools Parser's middy middleware),
 * so `fn` gets the typed input; a malformed one fails with InvalidInputError naming the step and the first wrong
 * field (see {@link classifyErrors}), before `fn` runs.
 *
 * @param step - the state name, e.g. `ProvisionRole`, used in logs and error messages.
 * @param schema - the step's input schema, from `shared/onboarding/step-inputs.ts`.
 * @param fn - the plain function: parsed input in, result out.
 */
export function stepHandler<TSchema extends z.ZodType, TResult>(
  step: string,
  schema: TSchema,
  fn: (input: z.output<TSchema>) => Promise<TResult>,
) {
  return (
    middy<unknown, TResult, Error, Context>()
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(logMetrics(metrics))
      .use(classifyErrors({ step, accountIdOf }))
      // Typed for the raw event Lambda hands in: the parsed input reaches `fn` only.
      .use(parser({ schema }) as MiddlewareObj<unknown, TResult, Error, Context>)
      .handler((input) => fn(input as z.output<TSchema>))
  );
}
