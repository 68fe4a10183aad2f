/**
 * The template's onboarding state machine definition, resolved for tests: stack `test` in account 111122223333,
 * us-east-1, each Task's function ARN named after its state (`…:function:ProvisionRole`).
 */
import { loadDefinition, loadTemplate, type Template } from '../../local/template';

/** The ARN the resolved definition gives the function of a Task state. */
const taskFunctionArn = (name: string): string => `arn:aws:lambda:us-east-1:111122223333:function:${name}`;

const TASK_FUNCTIONS = [
  'DescribeAccountRequest',
  'ResolveTarget',
  'LookUpRegistration',
  'ProvisionRole',
  'ValidateRole',
  'RemoveValidatorTrust',
  'RegisterAccount',
  'ProvisionAccessKey',
  'ValidateAccessKey',
  'RecordOnboarding',
  'RecordFailure',
  'RemoveRegistration',
  'RemoveMemberResources',
];

/** Loads the definition with its substitutions resolved as above. */
export function onboardingDefinition(template: Template = loadTemplate()): Record<string, unknown> {
  return loadDefinition(template, {
    pseudo: { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '111122223333', 'AWS::StackName': 'test' },
    resources: Object.fromEntries(TASK_FUNCTIONS.map((name) => [`${name}Function.Arn`, taskFunctionArn(name)])),
  });
}
