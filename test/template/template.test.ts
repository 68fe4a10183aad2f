/**
 * template.yaml sanity: every function's handler exists and exports `handler`, the state machine's substitutions
 * all resolve, the EventBridge rule fires on exactly the lifecycle events, and no ARN is hard-coded to `aws`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { matchesEventPattern } from '../../local/event-pattern';
import { loadDefinition, loadTemplate, templateFunctions, templateStateMachine } from '../../local/template';
import { ROOT, sampleEvent } from '../helpers';

const template = loadTemplate();
const functions = templateFunctions(template);

describe('Template: template.yaml', () => {
  it.each(functions.map((fn) => [fn.logicalId, fn]))('%s has an esbuild entry point exporting its handler', (_, fn) => {
    expect(fn.entryPoint).toMatch(/^functions\/[a-z-]+\/index\.ts$/);
    expect(existsSync(path.join(ROOT, fn.entryPoint))).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the handler module the way Lambda does
    const module = require(path.join(ROOT, fn.entryPoint)) as Record<string, unknown>;
    expect(typeof module[fn.handler.split('.')[1]]).toBe('function');
  });

  it('runs every function on nodejs24.x, arm64, built by esbuild for Node 24', () => {
    const globals = (template as unknown as { Globals: { Function: Record<string, unknown> } }).Globals.Function;
    expect(globals.Runtime).toBe('nodejs24.x');
    expect(globals.Architectures).toEqual(['arm64']);
    for (const [, resource] of Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function')) {
      expect(resource.Metadata?.BuildMethod).toBe('esbuild');
      expect(resource.Properties?.Runtime).toBeUndefined();
    }
    expect(new Set(functions.map((fn) => fn.target))).toEqual(new Set(['node24']));
  });

  it('runs the scripts on the Node major of the Lambda runtime, and says so in engines', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    const runtimeMajor = /^nodejs(\d+)\.x$/.exec(
      String((template as unknown as { Globals: { Function: { Runtime: string } } }).Globals.Function.Runtime),
    )?.[1];

    // Assess
    expect(process.versions.node.split('.')[0]).toBe(runtimeMajor);
    expect(manifest.devDependencies.node).toMatch(new RegExp(`^\\^${runtimeMajor}\\.`));
    expect(manifest.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${runtimeMajor}\\.`));
    expect(manifest.engines.node).toBe(`>=${runtimeMajor}`);
  });

  it('resolves every substitution of the state machine definition to a function of the template', () => {
    // Prepare
    const machine = templateStateMachine(template);
    const text = readFileSync(path.join(ROOT, machine.definitionUri), 'utf8');
    const placeholders = [...text.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]);

    // Act
    const definition = loadDefinition(template, {
      pseudo: { 'AWS::Partition': 'aws-us-gov', 'AWS::Region': 'us-gov-west-1', 'AWS::AccountId': '111122223333', 'AWS::StackName': 's' },
      resources: Object.fromEntries(
        functions.map((fn) => [`${fn.logicalId}.Arn`, `arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:${fn.logicalId}`]),
      ),
    });

    // Assess
    expect(new Set(placeholders)).toEqual(new Set(Object.keys(machine.substitutions)));
    const resources = Object.values(definition.States as Record<string, { Resource?: string }>).flatMap((state) =>
      state.Resource ? [state.Resource] : [],
    );
    expect(resources).toHaveLength(13);
    for (const resource of resources) expect(resource).toMatch(/^arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:\w+Function$/);
  });

  it('never hard-codes the aws partition in an ARN', () => {
    const text = readFileSync(path.join(ROOT, 'template.yaml'), 'utf8');
    expect(text).not.toMatch(/arn:aws:/);
  });
});

describe('Template: the lifecycle EventBridge rule', () => {
  const starter = functions.find((fn) => Object.keys(fn.eventPatterns).length > 0);
  const fires = (event: unknown) => Object.values(starter?.eventPatterns ?? {}).some((pattern) => matchesEventPattern(pattern, event));

  it('belongs to the starter', () => {
    expect(starter?.logicalId).toBe('StartOnboardingFunction');
  });

  it.each([
    'control-tower-create-managed-account.json',
    'control-tower-update-managed-account.json',
    'organizations-create-account-result.json',
    // FAILED states reach the starter, which logs why it ignores them.
    'control-tower-create-managed-account-failed.json',
    'organizations-create-account-result-failed.json',
  ])('fires on %s', (name) => {
    expect(fires(sampleEvent(name))).toBe(true);
  });

  it('does not fire on an unrelated CloudTrail event or on a console input', () => {
    expect(fires(sampleEvent('unrelated-cloudtrail-event.json'))).toBe(false);
    expect(fires(sampleEvent('console-replay.json'))).toBe(false);
  });
});

describe('Template: nothing lost', () => {
  const resources = template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const starter = resources.StartOnboardingFunction.Properties;
  const queue = { 'Fn::GetAtt': ['LifecycleEventsDeadLetterQueue', 'Arn'] };

  it('retries each EventBridge delivery for a day, then dead-letters it', () => {
    const events = starter.Events as Record<string, { Properties: { RetryPolicy: unknown; DeadLetterConfig: unknown } }>;
    expect(Object.keys(events).length).toBeGreaterThan(0);
    for (const event of Object.values(events)) {
      expect(event.Properties.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 });
      expect(event.Properties.DeadLetterConfig).toEqual({ Arn: queue });
    }
  });

  it('sends an event the starter failed on to the same queue', () => {
    expect(starter.EventInvokeConfig).toEqual({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Type: 'SQS', Destination: queue } },
    });
  });

  it('alarms to the SNS topic on a message in the queue and on unsuccessful executions', () => {
    const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
    // Failed onboardings, failed reconciliations, dead-lettered events.
    expect(alarms.map((alarm) => alarm.Properties.AlarmActions)).toEqual([
      [{ Ref: 'AlarmTopic' }],
      [{ Ref: 'AlarmTopic' }],
      [{ Ref: 'AlarmTopic' }],
    ]);
    const dlqAlarm = alarms.find((alarm) => alarm.Properties.Namespace === 'AWS/SQS');
    expect(dlqAlarm?.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    const executionAlarm = alarms.find((alarm) => Array.isArray(alarm.Properties.Metrics));
    const metricNames = (executionAlarm?.Properties.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[]).flatMap((metric) =>
      metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : [],
    );
    expect(metricNames.sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
  });
});

describe('Template: the accounts table', () => {
  const raw = template as unknown as {
    Resources: Record<string, { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties: Record<string, unknown> }>;
    Outputs: Record<string, { Value: unknown }>;
  };
  const table = raw.Resources.AccountsTable;

  it('is on demand, with point-in-time recovery, keyed by accountId, and kept when the stack goes', () => {
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: [{ AttributeName: 'accountId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'accountId', AttributeType: 'S' }],
    });
    expect(raw.Outputs.AccountsTableName.Value).toEqual({ Ref: 'AccountsTable' });
  });

  it('is named to the functions that use it, each granted only the item actions it sends, on the table', () => {
    const grants = Object.fromEntries(
      Object.entries(raw.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::Serverless::Function')
        .flatMap(([logicalId, resource]) => {
          const statements = ((resource.Properties.Policies as { Statement?: { Action: string | string[]; Resource: unknown }[] }[]) ?? [])
            .flatMap((policy) => policy.Statement ?? [])
            .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));
          return statements.length === 0 ? [] : [[logicalId, statements]];
        }),
    );
    expect(
      Object.fromEntries(Object.entries(grants).map(([id, statements]) => [id, statements.flatMap((s) => [s.Action].flat())])),
    ).toEqual({
      ResolveTargetFunction: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
      RecordOnboardingFunction: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      RecordFailureFunction: ['dynamodb:UpdateItem'],
      PlanReconciliationFunction: ['dynamodb:Scan'],
      RemoveRegistrationFunction: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      RemoveMemberResourcesFunction: ['dynamodb:UpdateItem'],
    });
    for (const statement of Object.values(grants).flat()) expect(statement.Resource).toEqual({ 'Fn::GetAtt': ['AccountsTable', 'Arn'] });
    for (const fn of functions) {
      expect('ACCOUNTS_TABLE_NAME' in fn.environment).toBe(fn.logicalId in grants);
      if (fn.logicalId in grants) expect(fn.environment.ACCOUNTS_TABLE_NAME).toEqual({ Ref: 'AccountsTable' });
    }
  });
});
