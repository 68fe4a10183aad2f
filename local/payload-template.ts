/**
 * Evaluating an Amazon States Language payload template (`"Key.$": "$.path"`, `$$.Map.Item.Value`, intrinsic
 * functions) outside a state, for the fields `aws-local-stepfunctions` does not run itself: a Distributed Map's
 * `ItemSelector`, `ItemReader.Parameters` and `ResultWriter.Parameters`.
 *
 * The library's own evaluator is not exported, so the template runs as the `Parameters` of a one-state Pass machine:
 * exactly the same rules as every other state's.
 */
import { StateMachine } from 'aws-local-stepfunctions';

const compiledTemplates = new Map<string, PayloadTemplate>();

/** A payload template, evaluated against an input and a context object. */
export interface PayloadTemplate {
  /**
   * @param input - what `$` refers to.
   * @param context - what `$$` refers to (e.g. `{ Map: { Item: { Index, Value } } }`).
   * @returns the resolved JSON.
   * @throws Error (`States.Runtime`…) as the state would fail, e.g. a path that matches nothing.
   */
  evaluate(input: unknown, context: Record<string, unknown>): Promise<unknown>;
}

/**
 * Compiles a payload template once, to evaluate it for many items.
 *
 * @throws Error when the template is not a valid payload template (the library's validation message).
 */
export function payloadTemplate(template: unknown): PayloadTemplate {
  // Validating a definition takes the library most of a second: each template is compiled once per process.
  const key = JSON.stringify(template);
  const known = compiledTemplates.get(key);
  if (known) return known;
  const machine = new StateMachine(
    { StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } } } as never,
    { validationOptions: { checkArn: true, checkPaths: true } },
  );
  const compiledTemplate: PayloadTemplate = {
    async evaluate(input, context) {
      try {
        return await machine.run(input as never, { context: context }).result;
      } catch (error) {
        // Unwrap the library's ExecutionError: the state's own error is its cause.
        throw ((error as { cause?: unknown }).cause as Error | undefined) ?? error;
      }
    },
  };
  compiledTemplates.set(key, compiledTemplate);
  return compiledTemplate;
}
