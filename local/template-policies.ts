/**
 * The IAM policies of each execution role of `template.yaml` as SAM and CloudFormation would deploy them. Anything the
 * loader cannot expand is an error: an understated policy would make the least-privilege proof worthless.
 */
import type { PolicyDocument, PolicyStatement } from '../shared/iam/policy-document';
import { isIntrinsic, resolveDeep, resolveValue, type LocalResolution, type Template } from './template';

type Statements = { Statement: Record<string, unknown>[] };

/** One policy of an execution role, e.g. `LambdaInvokePolicy#0` or `AssumeDatadogRole`; `policy` is as deployed (intrinsics resolved). */
export interface LoadedPolicy {
  name: string;
  source: 'inline-statement' | 'sam-policy-template' | 'role-inline-policy' | 'aws-managed-policy' | 'sam-destination';
  policy: PolicyDocument;
  /** As the template writes it (SAM policy templates expanded, intrinsics kept), for static checks; absent for AWS managed policies. */
  authored?: Statements;
}

/** The execution role of a function or of a state machine (explicit, or SAM's implicit `<LogicalId>Role`), and its policies. */
export interface ExecutionRolePolicies {
  logicalId: string;
  kind: 'function' | 'state-machine';
  roleLogicalId: string;
  policies: LoadedPolicy[];
}

/**
 * The SAM policy templates template.yaml uses (aws/serverless-application-model,
 * `samtranslator/policy_templates_data/policy_templates.json`): one Allow of `action` on `Fn::Sub resource`, where SAM's
 * `${variable}` bound to `{ Ref: Parameter }` is written `${Parameter}`.
 */
const SAM_POLICY_TEMPLATES: Record<string, { action: string; resource: string }> = {
  LambdaInvokePolicy: {
    action: 'lambda:InvokeFunction',
    resource: 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}*',
  },
  AWSSecretsManagerGetSecretValuePolicy: { action: 'secretsmanager:GetSecretValue', resource: '${SecretArn}' },
};

/** `AWSLambdaBasicExecutionRole`, which SAM attaches to every function role it creates: CloudWatch Logs only. */
const BASIC_EXECUTION_ROLE = 'AWSLambdaBasicExecutionRole';
const BASIC_EXECUTION_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
};

/** Properties through which SAM adds permissions to the role it creates (or, `Role`, replaces it), by resource type: not modelled. */
const UNMODELLED_PROPERTIES: Record<string, string[]> = {
  'AWS::Serverless::Function': ['DeadLetterQueue', 'VpcConfig', 'Tracing', 'FileSystemConfigs', 'PermissionsBoundary'],
  'AWS::Serverless::StateMachine': ['Logging', 'Tracing', 'PermissionsBoundary', 'Role'],
};
/** Event source types whose SAM translation adds permissions to the function's role (pollers). */
const POLLED_EVENT_TYPES = ['SQS', 'Kinesis', 'DynamoDB', 'MSK', 'MQ', 'SelfManagedKafka', 'DocumentDB'];

function refuseUnmodelled(properties: Record<string, unknown>, names: string[], where: string): void {
  const found = names.find((name) => properties[name] !== undefined);
  if (found) throw new Error(`${where}: ${found} adds permissions the least-privilege loader does not model`);
}

/** A SAM policy template parameter's value inside `Fn::Sub`: `!Ref X` → `${X}`, `!GetAtt A.B` → `${A.B}`, a string as itself. */
function asSubExpression(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (isIntrinsic(value) && 'Ref' in value) return `\${${String(value.Ref)}}`;
  if (isIntrinsic(value) && 'Fn::GetAtt' in value) return `\${${[value['Fn::GetAtt']].flat().join('.')}}`;
  throw new Error(`${where}: a SAM policy template parameter must be a string, !Ref or !GetAtt`);
}

/** Expands a use such as `{ LambdaInvokePolicy: { FunctionName: !Ref F } }`. @throws Error for an unknown template or parameter. */
export function expandSamPolicyTemplate(name: string, values: unknown, where: string): Statements {
  const sam = SAM_POLICY_TEMPLATES[name];
  const notKnown = `${where}: SAM policy template ${name} is not known to the least-privilege loader (add it from SAM's policy_templates.json)`;
  if (!sam) throw new Error(notKnown);
  const given = (values ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(given).filter((key) => !sam.resource.includes(`\${${key}}`));
  if (unknown.length > 0) throw new Error(`${where}: ${name} has no parameter ${unknown.join(', ')}`);
  const resource = sam.resource.replace(/\$\{(\w+)\}/g, (_, parameter: string) =>
    asSubExpression(given[parameter], `${where} ${name}.${parameter}`),
  );
  return { Statement: [{ Effect: 'Allow', Action: [sam.action], Resource: { 'Fn::Sub': resource } }] };
}

/** A policy the template writes, with its resolved form. */
function authoredPolicy(template: Template, local: LocalResolution, name: string, source: LoadedPolicy['source'], statement: unknown) {
  const authored = { Statement: [statement].flat() as Record<string, unknown>[] };
  const resolved = resolveDeep(template, authored.Statement, local) as PolicyStatement[];
  return { name, source, authored, policy: { Version: '2012-10-17' as const, Statement: resolved } };
}

/** A managed policy (name or ARN, resolved), when the loader knows what it grants. */
function managedPolicy(nameOrArn: string, local: LocalResolution, where: string): LoadedPolicy {
  const partition = local.pseudo['AWS::Partition'];
  const arn = nameOrArn.startsWith('arn:') ? nameOrArn : `arn:${partition}:iam::aws:policy/${nameOrArn}`;
  if (arn !== `arn:${partition}:iam::aws:policy/service-role/${BASIC_EXECUTION_ROLE}`) {
    throw new Error(`${where}: managed policy ${arn} is not modelled (only ${BASIC_EXECUTION_ROLE} is)`);
  }
  return { name: BASIC_EXECUTION_ROLE, source: 'aws-managed-policy', policy: BASIC_EXECUTION_POLICY };
}

/** The `Policies` of a SAM function or state machine; `!If [Condition, policy, !Ref AWS::NoValue]` takes the branch the parameters choose. */
function samPolicies(template: Template, policies: unknown, local: LocalResolution, where: string): LoadedPolicy[] {
  return [policies ?? []].flat().flatMap((listed: unknown, index): LoadedPolicy[] => {
    let entry = listed;
    if (isIntrinsic(listed) && 'Fn::If' in listed) {
      const [condition, whenTrue, whenFalse] = listed['Fn::If'] as [string, unknown, unknown];
      entry = resolveValue(template, { Condition: condition }, local) === 'true' ? whenTrue : whenFalse;
      if ((entry as { Ref?: unknown }).Ref === 'AWS::NoValue') return [];
    }
    if (typeof entry === 'string' || isIntrinsic(entry)) return [managedPolicy(resolveValue(template, entry, local), local, where)];
    const record = entry as Record<string, unknown>;
    if ('Statement' in record) return [authoredPolicy(template, local, `Statement#${index}`, 'inline-statement', record.Statement)];
    const keys = Object.keys(record);
    if (keys.length !== 1) throw new Error(`${where}: Policies[${index}] is neither a statement list nor one SAM policy template`);
    const expanded = expandSamPolicyTemplate(keys[0], record[keys[0]], `${where} Policies[${index}]`);
    return [authoredPolicy(template, local, `${keys[0]}#${index}`, 'sam-policy-template', expanded.Statement)];
  });
}

/** The inline policies and managed policies of an `AWS::IAM::Role` resource. */
function rolePolicies(template: Template, roleLogicalId: string, local: LocalResolution): LoadedPolicy[] {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`template.yaml: ${roleLogicalId} is not an AWS::IAM::Role`);
  const properties = role.Properties ?? {};
  if (properties.PermissionsBoundary !== undefined) throw new Error(`template.yaml: ${roleLogicalId}.PermissionsBoundary is not modelled`);
  const inline = (properties.Policies ?? []) as { PolicyName: string; PolicyDocument: { Statement: unknown } }[];
  return [
    ...inline.map((entry) => authoredPolicy(template, local, entry.PolicyName, 'role-inline-policy', entry.PolicyDocument.Statement)),
    ...((properties.ManagedPolicyArns ?? []) as unknown[]).map((arn) =>
      managedPolicy(resolveValue(template, arn, local), local, `template.yaml: ${roleLogicalId}.ManagedPolicyArns`),
    ),
  ];
}

/**
 * SAM's grant for an SQS `OnFailure`/`OnSuccess` destination: `sqs:SendMessage` on the queue (AWS SAM developer guide,
 * "EventInvokeDestinationConfiguration"). Other destination types are not modelled.
 */
function destinationPolicies(template: Template, config: unknown, local: LocalResolution, where: string): LoadedPolicy[] {
  const destinations =
    (config as { DestinationConfig?: Record<string, { Type?: string; Destination?: unknown }> } | undefined)?.DestinationConfig ?? {};
  return Object.entries(destinations).map(([name, destination]) => {
    if (destination.Type !== 'SQS') throw new Error(`${where}: EventInvokeConfig ${name} of type ${destination.Type} is not modelled`);
    const statement = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: destination.Destination };
    return authoredPolicy(template, local, `EventInvokeConfig${name}`, 'sam-destination', statement);
  });
}

/**
 * The policies of every execution role: each `AWS::Serverless::Function`'s (its explicit `Role`, or SAM's implicit one:
 * `AWSLambdaBasicExecutionRole` plus its `Policies`) and each `AWS::Serverless::StateMachine`'s (implicit, its `Policies`).
 * @param local - how parameters, pseudo parameters and resource references resolve (pick the partition here).
 * @throws Error naming what it cannot model (see the module comment).
 */
export function loadExecutionRolePolicies(template: Template, local: LocalResolution): ExecutionRolePolicies[] {
  const globals = (template.Globals?.Function ?? {}) as Record<string, unknown>;
  refuseUnmodelled(globals, [...UNMODELLED_PROPERTIES['AWS::Serverless::Function'], 'Policies', 'Role'], 'template.yaml: Globals.Function');
  return Object.entries(template.Resources).flatMap(([logicalId, resource]): ExecutionRolePolicies[] => {
    const properties = resource.Properties ?? {};
    const where = `template.yaml: ${logicalId}`;
    const implicit = { logicalId, roleLogicalId: `${logicalId}Role` };
    if (!(resource.Type in UNMODELLED_PROPERTIES)) return [];
    refuseUnmodelled(properties, UNMODELLED_PROPERTIES[resource.Type], where);
    if (resource.Type === 'AWS::Serverless::StateMachine') {
      return [{ ...implicit, kind: 'state-machine', policies: samPolicies(template, properties.Policies, local, where) }];
    }
    const events = Object.entries((properties.Events ?? {}) as Record<string, { Type: string }>);
    const polled = events.find(([, event]) => POLLED_EVENT_TYPES.includes(event.Type));
    if (polled) throw new Error(`${where}: event ${polled[0]} (${polled[1].Type}) adds poller permissions the loader does not model`);
    if (properties.Role === undefined) {
      const policies = [
        managedPolicy(`service-role/${BASIC_EXECUTION_ROLE}`, local, where),
        ...samPolicies(template, properties.Policies, local, where),
        ...destinationPolicies(template, properties.EventInvokeConfig, local, where),
      ];
      return [{ ...implicit, kind: 'function', policies }];
    }
    const [roleLogicalId, attribute] = (properties.Role as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'] ?? [];
    if (!roleLogicalId || attribute !== 'Arn') throw new Error(`${where}: Role must be !GetAtt <AWS::IAM::Role>.Arn`);
    // SAM ignores Policies when Role is given: say so rather than silently dropping them.
    if (properties.Policies !== undefined) throw new Error(`${where}: Policies are ignored by SAM when Role is set`);
    return [{ logicalId, kind: 'function', roleLogicalId, policies: rolePolicies(template, roleLogicalId, local) }];
  });
}
