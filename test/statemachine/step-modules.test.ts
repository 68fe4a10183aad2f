/**
 * Any behaviour is two hops from its state name: each Task state of statemachine/onboarding.asl.json that invokes
 * one of our functions calls it through a handler that calls the step module of the same name (kebab-case) under
 * shared/steps/. The other Task states are Step Functions service integrations, which run no code of ours.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { templateFunctions, loadTemplate } from '../../local/template';
import { ROOT } from '../helpers';

type States = Record<string, { Type: string; Resource?: string; ItemProcessor?: { States: States }; Iterator?: { States: States } }>;

/** Every Task state, nested ones (a Map's) included, with the definition substitution it invokes. */
function taskStates(states: States): [string, string][] {
  return Object.entries(states).flatMap(([name, state]): [string, string][] => {
    const nested = state.ItemProcessor?.States ?? state.Iterator?.States;
    if (nested) return taskStates(nested);
    return state.Type === 'Task' ? [[name, state.Resource ?? '']] : [];
  });
}

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const definition = JSON.parse(readFileSync(path.join(ROOT, 'statemachine', 'onboarding.asl.json'), 'utf8')) as { States: States };
const functions = templateFunctions(loadTemplate());
const allTasks = taskStates(definition.States);
const FUNCTION_TASK = /^\$\{\w+FunctionArn\}$/;
const tasks = allTasks.filter(([, resource]) => FUNCTION_TASK.test(resource));

describe('State machine: one step module per Task state', () => {
  it('finds the Task states: our functions, and otherwise service integrations', () => {
    expect(allTasks.filter(([, resource]) => !FUNCTION_TASK.test(resource)).map(([, resource]) => resource)).toEqual([
      'arn:${Partition}:states:::states:startExecution',
    ]);
    expect(tasks.map(([name]) => name).sort()).toEqual([
      'DescribeAccountRequest',
      'LookUpRegistration',
      'ProvisionAccessKey',
      'ProvisionRole',
      'RecordFailure',
      'RecordOnboarding',
      'RegisterAccount',
      'RemoveMemberResources',
      'RemoveRegistration',
      'RemoveValidatorTrust',
      'ResolveTarget',
      'ValidateAccessKey',
      'ValidateRole',
    ]);
  });

  it.each(tasks)('%s: its function calls shared/steps/<kebab-case name>.ts', (name, resource) => {
    // Prepare: `${ProvisionRoleFunctionArn}` → the template's ProvisionRoleFunction → its entry point.
    const logicalId = /^\$\{(\w+)Arn\}$/.exec(resource)?.[1];
    const fn = functions.find((candidate) => candidate.logicalId === logicalId);
    const stepModule = path.join('shared', 'steps', `${kebab(name)}.ts`);

    // Act
    const handlerSource = fn ? readFileSync(path.join(ROOT, fn.entryPoint), 'utf8') : '';

    // Assess
    expect(fn?.entryPoint).toBe(`functions/${kebab(name)}/index.ts`);
    expect(existsSync(path.join(ROOT, stepModule))).toBe(true);
    expect(handlerSource).toContain(`from '../../shared/steps/${kebab(name)}'`);
  });
});
