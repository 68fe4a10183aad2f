/** The onboarding definition resolved for tests: stack `test`, 111122223333, us-east-1, functions named `…:function:ProvisionRole`. */
import { loadDefinition, loadTemplate, templateFunctions, type Template } from '../../local/template';

/** The onboarding definition, its `${…}` substitutions resolved as above. @throws Error as `loadDefinition` does. */
export function onboardingDefinition(template: Template = loadTemplate()): Record<string, unknown> {
  return loadDefinition(template, {
    pseudo: { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '111122223333', 'AWS::StackName': 'test' },
    resources: Object.fromEntries(
      templateFunctions(template).map(({ logicalId }) => [
        `${logicalId}.Arn`,
        `arn:aws:lambda:us-east-1:111122223333:function:${logicalId.replace(/Function$/, '')}`,
      ]),
    ),
  });
}

/** aws-local-stepfunctions overrides making every Wait and Retry interval of `definition` 0 s. */
export function withoutWaits(definition: Record<string, unknown>) {
  const states = Object.entries(definition.States as Record<string, { Type: string }>);
  const zeroFor = (type: string) => Object.fromEntries(states.flatMap(([name, state]) => (state.Type === type ? [[name, 0]] : [])));
  return { waitTimeOverrides: zeroFor('Wait'), retryIntervalOverrides: zeroFor('Task') };
}

/** The context object of an execution `name` of the resolved definition's state machine (`test-onboarding`). */
export function executionContext(name: string) {
  return {
    Execution: { Id: `arn:aws:states:us-east-1:111122223333:execution:test-onboarding:${name}`, Name: name },
    StateMachine: { Id: 'arn:aws:states:us-east-1:111122223333:stateMachine:test-onboarding', Name: 'test-onboarding' },
  };
}
