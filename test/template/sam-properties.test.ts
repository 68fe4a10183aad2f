/**
 * template.yaml against the properties AWS SAM documents for its serverless resources and event sources: what SAM's
 * transform (and so `sam validate --lint` and cfn-lint's E0001) refuses, caught without Python.
 */
import { loadTemplate, type Template } from '../../local/template';
import { samPropertyProblems } from './sam-properties';

const template = loadTemplate();

function starterEvents(copy: Template): Record<string, { Type: string; Properties: Record<string, unknown> }> {
  return (
    copy.Resources.StartOnboardingFunction.Properties as { Events: Record<string, { Type: string; Properties: Record<string, unknown> }> }
  ).Events;
}

describe('Function: samPropertyProblems', () => {
  it('finds nothing on template.yaml', () => {
    // Act
    const problems = samPropertyProblems(template);

    // Assess
    expect(problems).toEqual([]);
  });

  it('refuses a Description on an EventBridgeRule event, as the SAM transform does', () => {
    // Prepare
    const copy = structuredClone(template);
    starterEvents(copy).AccountLifecycleEvents.Properties.Description = 'Lifecycle events';

    // Act
    const problems = samPropertyProblems(copy);

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /^StartOnboardingFunction\.Events\.AccountLifecycleEvents: property Description is not defined for event source type EventBridgeRule \(https:\/\/docs\.aws\.amazon\.com\/serverless-application-model\/.*eventbridgerule\.html\)$/,
      ),
    ]);
  });

  it.each([
    [
      'an event source type without a documented property list',
      (copy: Template) => (starterEvents(copy).AccountLifecycleEvents.Type = 'CloudWatchEvent'),
      /AccountLifecycleEvents: event source type CloudWatchEvent has no documented property list/,
    ],
    [
      'an EventBridgeRule without its Pattern',
      (copy: Template) => delete starterEvents(copy).GovCloudAccountRequests.Properties.Pattern,
      /GovCloudAccountRequests: required property Pattern of event source type EventBridgeRule is missing/,
    ],
    [
      'an unknown key in a RetryPolicy',
      (copy: Template) =>
        ((starterEvents(copy).GovCloudAccountRequests.Properties.RetryPolicy as Record<string, unknown>).MaximumRetries = 3),
      /GovCloudAccountRequests\.RetryPolicy: property MaximumRetries is not defined/,
    ],
    [
      'an unknown key in a DeadLetterConfig',
      (copy: Template) =>
        ((starterEvents(copy).AccountLifecycleEvents.Properties.DeadLetterConfig as Record<string, unknown>).QueueArn = 'x'),
      /AccountLifecycleEvents\.DeadLetterConfig: property QueueArn is not defined/,
    ],
    [
      'an unknown function property',
      (copy: Template) => ((copy.Resources.ProvisionRoleFunction.Properties as Record<string, unknown>).Retries = 2),
      /^ProvisionRoleFunction: property Retries is not defined for AWS::Serverless::Function/,
    ],
    [
      'an unknown state machine property',
      (copy: Template) => ((copy.Resources.OnboardingStateMachine.Properties as Record<string, unknown>).TimeoutSeconds = 60),
      /^OnboardingStateMachine: property TimeoutSeconds is not defined for AWS::Serverless::StateMachine/,
    ],
  ])('refuses %s', (_, change, message) => {
    // Prepare
    const copy = structuredClone(template);
    change(copy);

    // Act
    const problems = samPropertyProblems(copy);

    // Assess
    expect(problems).toEqual([expect.stringMatching(message)]);
  });
});
