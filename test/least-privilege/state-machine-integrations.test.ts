/**
 * The calls Step Functions makes itself with a state machine's role, which no recorded run sees (the local engine
 * runs them in-process): each table entry marked `byStepFunctionsService` must be needed by a feature of the state
 * machine's definition, and each call such a feature needs must be in the table. What each feature needs is the Step
 * Functions developer guide's: "IAM policies for Step Functions" (`states:startExecution.sync:2`: DescribeExecution
 * and StopExecution on the executions it starts, PutTargets, PutRule and DescribeRule on the managed rule
 * StepFunctionsGetEventsForStepFunctionsExecutionRule), "IAM policies for Distributed Map" (StartExecution on the
 * state machine itself, DescribeExecution and StopExecution on its child executions `<name>/*`) and "ResultWriter"
 * (PutObject, GetObject, ListMultipartUploadParts, AbortMultipartUpload on the results' prefix).
 */
import { loadDefinition, loadTemplate } from '../../local/template';
import { SIMULATED_PARTITIONS, simulatedDeployment, type SimulatedDeployment } from '../support/simulated-deployment';
import { expectedCalls } from './handler-calls';

const template = loadTemplate();

interface State {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States: Record<string, State> };
  ResultWriter?: { Resource: string };
}

function allStates(states: Record<string, State>): State[] {
  return Object.values(states).flatMap((state) => [state, ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : [])]);
}

/** The calls Step Functions needs for a state machine's definition, as `<action> <resource>`. */
function neededByDefinition(deployment: SimulatedDeployment, logicalId: string, resultsPrefix: string): string[] {
  const { partition: p, names } = deployment;
  const { region, accountId } = names;
  const definition = loadDefinition(template, deployment.resolution, logicalId) as { States: Record<string, State> };
  const ownArn = String(deployment.resolution.resources[logicalId]);
  const executionsOf = (stateMachineArn: string) => stateMachineArn.replace(':stateMachine:', ':execution:');
  const needed: string[] = [];
  for (const state of allStates(definition.States)) {
    if (state.Type === 'Task' && /:states:::states:startExecution\.sync(:2)?$/.test(state.Resource ?? '')) {
      const target = String(state.Parameters?.StateMachineArn);
      needed.push(
        ...['states:DescribeExecution', 'states:StopExecution'].map((action) => `${action} ${executionsOf(target)}:*`),
        ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map(
          (action) => `${action} arn:${p}:events:${region}:${accountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`,
        ),
      );
    }
    if (state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
      needed.push(
        `states:StartExecution ${ownArn}`,
        ...['states:DescribeExecution', 'states:StopExecution'].map((action) => `${action} ${executionsOf(ownArn)}/*`),
      );
    }
    if (state.ResultWriter) {
      const bucket = String(deployment.resolution.resources.ReconciliationBucket);
      needed.push(
        ...['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'].map(
          (action) => `${action} arn:${p}:s3:::${bucket}/${resultsPrefix}/*`,
        ),
      );
    }
  }
  return [...new Set(needed)].sort();
}

describe.each(SIMULATED_PARTITIONS)('Step Functions calls of the state machines, partition %s', (partition) => {
  const deployment = simulatedDeployment(template, partition);
  const table = expectedCalls({ template, deployment });
  // Where the plan step tells the ResultWriter to write (shared/steps/plan-reconciliation.ts: results/<execution>).
  const needed = neededByDefinition(deployment, 'ReconcileOrganizationStateMachine', 'results');

  it.each(['ReconcileOrganizationStateMachine', 'OnboardingStateMachine'])(
    'marks in the table of %s only calls its definition needs Step Functions to make',
    (logicalId) => {
      // Act
      const marked = table[logicalId].filter((entry) => entry.byStepFunctionsService).map((entry) => `${entry.action} ${entry.resource}`);

      // Assess
      const definitionNeeds = logicalId === 'ReconcileOrganizationStateMachine' ? needed : neededByDefinition(deployment, logicalId, '');
      expect(marked.filter((entry) => !definitionNeeds.includes(entry))).toEqual([]);
    },
  );

  it("grants the reconciliation's role every call its definition needs Step Functions to make", () => {
    // Act
    const tabled = table.ReconcileOrganizationStateMachine.map((entry) => `${entry.action} ${entry.resource}`);

    // Assess: the startExecution.sync:2, Distributed Map and ResultWriter features are all there, each fully granted.
    expect(needed.length).toBe(12);
    expect(needed.filter((entry) => !tabled.includes(entry))).toEqual([]);
  });
});
