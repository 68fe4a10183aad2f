/**
 * The dashboard in template.yaml charts what the code emits: every metric of the application's namespace it names
 * (in a metric array or a SEARCH expression) is one of shared/observability/metric-names.ts, with the dimensions the
 * emitters give it, and every metric the code emits has a widget. Plus the alarms and the dead-letter queue.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTemplate } from '../../local/template';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_NAMESPACE } from '../../shared/observability/metric-names';
import { ROOT } from '../helpers';

type Widget = { type: string; properties: { region?: string; alarms?: string[]; metrics?: unknown[][] } };

const template = loadTemplate() as ReturnType<typeof loadTemplate> & { Outputs: Record<string, unknown> };
const dashboard = template.Resources.OnboardingDashboard as { Type: string; Properties: { DashboardBody: { 'Fn::Sub': string } } };
const body = dashboard.Properties.DashboardBody['Fn::Sub'];
/** The body with each `${…}` replaced by a marker naming it, parsed. */
const parsed = JSON.parse(body.replace(/\$\{([\w:.]+)\}/g, 'SUB($1)')) as { widgets: Widget[] };
const metricLines = parsed.widgets.flatMap((widget) => widget.properties.metrics ?? []);

/** Metrics named in metric arrays: `[namespace, name, dimension, value, …, {options}?]`. */
const arrays = metricLines
  .filter((line) => typeof line[0] === 'string')
  .map((line) => {
    const [namespace, name, ...rest] = line.filter((item): item is string => typeof item === 'string');
    const dimensions = Object.fromEntries(rest.flatMap((item, index) => (index % 2 === 0 ? [[item, rest[index + 1]]] : [])));
    return { namespace, name, dimensions };
  });

/** Metrics named in SEARCH expressions: `{namespace,dim,…} MetricName="name"`. */
const searches = metricLines
  .flatMap((line) =>
    line.filter((item): item is { expression: string } => typeof (item as { expression?: unknown }).expression === 'string'),
  )
  .map(({ expression }) => {
    const match = /SEARCH\('\{([^}]+)\} MetricName="(\w+)"'/.exec(expression);
    if (!match) throw new Error(`unexpected expression ${expression}`);
    const [namespace, ...dimensions] = match[1].split(',');
    return { namespace, name: match[2], dimensions };
  });

describe('Template: the onboarding dashboard', () => {
  it('is a CloudWatch dashboard whose name and URL are outputs', () => {
    expect(dashboard.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(template.Outputs.DashboardName).toBeDefined();
    expect(JSON.stringify(template.Outputs.DashboardUrl)).toContain('PartitionConsole');
  });

  it('charts only metrics the code emits, with the dimensions it gives them', () => {
    const emitted = new Set<string>(Object.values(METRIC_NAMES));
    const own = [...arrays, ...searches].filter((metric) => metric.namespace === METRICS_NAMESPACE);
    expect(own.length).toBeGreaterThan(0);
    expect(own.map((metric) => metric.name).filter((name) => !emitted.has(name))).toEqual([]);
    for (const metric of arrays.filter((candidate) => candidate.namespace === METRICS_NAMESPACE)) {
      expect(metric.dimensions).toEqual({ service: 'datadog-aws-account-onboarding' });
    }
    expect(searches.map(({ name, dimensions }) => [name, dimensions])).toEqual([
      [METRIC_NAMES.failed, ['service', METRIC_DIMENSIONS.errorName]],
      [METRIC_NAMES.reconciliationActions, ['service', METRIC_DIMENSIONS.action]],
    ]);
  });

  it('charts every metric the code emits', () => {
    const charted = new Set(
      [...arrays, ...searches].filter((metric) => metric.namespace === METRICS_NAMESPACE).map((metric) => metric.name),
    );
    expect(Object.values(METRIC_NAMES).filter((name) => !charted.has(name))).toEqual([]);
  });

  it('names each metric in the emitters with the same words (shared/observability/metrics.ts uses METRIC_NAMES only)', () => {
    const source = readFileSync(path.join(ROOT, 'shared', 'observability', 'metrics.ts'), 'utf8');
    // A literal name passed to addMetric would bypass the list the dashboard is checked against.
    expect(source.match(/addMetric\(\s*'/g) ?? []).toEqual([]);
  });

  it('shows the alarms, the dead-letter queue depth and the executions, in the stack region', () => {
    const alarms = parsed.widgets.filter((widget) => widget.type === 'alarm').flatMap((widget) => widget.properties.alarms ?? []);
    expect(alarms).toEqual(['SUB(FailedOnboardingsAlarm.Arn)', 'SUB(DeadLetteredEventsAlarm.Arn)']);
    expect(arrays).toContainEqual({
      namespace: 'AWS/SQS',
      name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'SUB(LifecycleEventsDeadLetterQueue.QueueName)' },
    });
    expect(arrays).toContainEqual({
      namespace: 'AWS/States',
      name: 'ExecutionsFailed',
      dimensions: { StateMachineArn: 'SUB(OnboardingStateMachine)' },
    });
    for (const widget of parsed.widgets.filter((candidate) => candidate.type === 'metric')) {
      expect(widget.properties.region).toBe('SUB(AWS::Region)');
    }
    expect(body).not.toMatch(/arn:aws/);
  });
});
