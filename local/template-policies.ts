/**
 * The IAM policies of each execution role of `template.yaml`, as SAM and CloudFormation would deploy them: SAM policy
 * templates expanded, inline statements, explicit `AWS::IAM::Role` resources (inline policies and managed policy
 * ARNs), and the state machine's `Policies`, with every intrinsic resolved for a given partition.
 *
 * Anything the loader does not know how to expand (an unknown SAM policy template, a managed policy other than
 * `AWSLambdaBasicExecutionRole`, a property through which SAM adds permissions on its own) is an error: an
 * understated policy would make the least-privilege proof worthless.
 */
import type { PolicyDocument, PolicyStatement } from '../shared/iam/policy-document';
import { evaluateCondition, resolveDeep, resolveValue, type LocalResolution, type Template } from './template';

/** Where a policy of an execution role comes from. */
export type PolicySource = 'inline-statement' | 'sam-policy-template' | 'role-inline-policy' | 'aws-managed-policy' | 'sam-destination';

/** One policy of an execution role. */
export interface LoadedPolicy {
  /** A readable name, e.g. `LambdaInvokePolicy#0` or `AssumeDatadogRole`. */
  name: string;
  source: PolicySource;
  /** The document as deployed, intrinsics resolved. */
  policy: PolicyDocument;
  /**
   * The document as the template writes it (SAM policy templates expanded, intrinsics kept, SAM template parameters
   * replaced by the template's own expressions), for static checks such as "ARNs use `${AWS::Partition}`". Absent for
   * AWS managed policies, which the template only references.
   */
  authored?: { Statement: Record<string, unknown>[] };
}

/** The execution role of a function or of the state machine, and its policies. */
export interface ExecutionRolePolicies {
  /** Logical id of the function or state machine. */
  logicalId: string;
  kind: 'function' | 'state-machine';
  /** Logical id of the role: the explicit `Role: !GetAtt X.Arn`, or SAM's implicit `<LogicalId>Role`. */
  roleLogicalId: string;
  policies: LoadedPolicy[];
}

/** A SAM policy template: its parameters and its definition, exactly as SAM's `policy_templates.json` has them. */
interface SamPolicyTemplate {
  parameters: string[];
  definition: { Statement: Record<string, unknown>[] };
}

/**
 * The SAM policy templates this loader expands, copied from aws/serverless-application-model,
 * `samtranslator/policy_templates_data/policy_templates.json`. Add a template here (verbatim) before using it.
 */
export const SAM_POLICY_TEMPLATES: Record<string, SamPolicyTemplate> = {
  LambdaInvokePolicy: {
    parameters: ['FunctionName'],
    definition: {
      Statement: [
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: {
            'Fn::Sub': [
              'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*',
              { functionName: { Ref: 'FunctionName' } },
            ],
          },
        },
      ],
    },
  },
  AWSSecretsManagerGetSecretValuePolicy: {
    parameters: ['SecretArn'],
    definition: {
      Statement: [
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: { 'Fn::Sub': ['${secretArn}', { secretArn: { Ref: 'SecretArn' } }] },
        },
      ],
    },
  },
  StepFunctionsExecutionPolicy: {
    parameters: ['StateMachineName'],
    definition: {
      Statement: [
        {
          Effect: 'Allow',
          Action: ['states:StartExecution'],
          Resource: {
            'Fn::Sub': [
              'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${stateMachineName}',
              { stateMachineName: { Ref: 'StateMachineName' } },
            ],
          },
        },
      ],
    },
  },
};

/** `AWSLambdaBasicExecutionRole`, which SAM attaches to every function role it creates: CloudWatch Logs only. */
const BASIC_EXECUTION_ROLE = 'AWSLambdaBasicExecutionRole';
const BASIC_EXECUTION_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
};

/** Function properties through which SAM adds permissions to the role it creates; the loader does not model them. */
const UNMODELLED_FUNCTION_PROPERTIES = ['DeadLetterQueue', 'VpcConfig', 'Tracing', 'FileSystemConfigs', 'PermissionsBoundary'];
/** Event source types whose SAM translation adds permissions to the function's role (pollers). */
const POLLED_EVENT_TYPES = ['SQS', 'Kinesis', 'DynamoDB', 'MSK', 'MQ', 'SelfManagedKafka', 'DocumentDB'];
/** State machine properties through which SAM adds permissions to the role it creates. */
const UNMODELLED_STATE_MACHINE_PROPERTIES = ['Logging', 'Tracing', 'PermissionsBoundary'];

function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/**
 * A SAM policy template parameter's value as an expression inside `Fn::Sub`: `!Ref X` → `${X}`,
 * `!GetAtt A.B` → `${A.B}`, a literal string as itself.
 */
function asSubExpression(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (isIntrinsic(value) && 'Ref' in value) return `\${${String(value.Ref)}}`;
  if (isIntrinsic(value) && 'Fn::GetAtt' in value) {
    const attribute = value['Fn::GetAtt'];
    return `\${${Array.isArray(attribute) ? attribute.join('.') : String(attribute)}}`;
  }
  throw new Error(`${where}: a SAM policy template parameter must be a string, !Ref or !GetAtt`);
}

/** Replaces SAM's `Fn::Sub [text, {var: {Ref: Parameter}}]` by `Fn::Sub text` with the template's expressions inlined. */
function instantiate(value: unknown, parameters: Record<string, string>, where: string): unknown {
  if (Array.isArray(value)) return value.map((item) => instantiate(item, parameters, where));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const sub = record['Fn::Sub'];
  if (Array.isArray(sub)) {
    const [text, variables] = sub as [string, Record<string, { Ref: string }>];
    const inlined = Object.entries(variables).reduce((result, [name, reference]) => {
      const expression = parameters[reference.Ref];
      if (expression === undefined) throw new Error(`${where}: parameter ${reference.Ref} is missing`);
      return result.split(`\${${name}}`).join(expression);
    }, text);
    return { 'Fn::Sub': inlined };
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, instantiate(item, parameters, where)]));
}

/**
 * Expands one SAM policy template use, e.g. `{ LambdaInvokePolicy: { FunctionName: !Ref F } }`.
 *
 * @returns the statements as the template writes them (intrinsics kept).
 * @throws Error for an unknown template or a missing parameter.
 */
export function expandSamPolicyTemplate(name: string, values: unknown, where: string): { Statement: Record<string, unknown>[] } {
  const samTemplate = SAM_POLICY_TEMPLATES[name];
  if (!samTemplate) {
    throw new Error(
      `${where}: SAM policy template ${name} is not known to the least-privilege loader (add it from SAM's policy_templates.json)`,
    );
  }
  const given = (values ?? {}) as Record<string, unknown>;
  const parameters = Object.fromEntries(
    samTemplate.parameters.map((parameter) => [parameter, asSubExpression(given[parameter], `${where} ${name}.${parameter}`)]),
  );
  const unknown = Object.keys(given).filter((key) => !samTemplate.parameters.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: ${name} has no parameter ${unknown.join(', ')}`);
  return instantiate(samTemplate.definition, parameters, `${where} ${name}`) as { Statement: Record<string, unknown>[] };
}

function resolvedDocument(template: Template, authored: { Statement: Record<string, unknown>[] }, local: LocalResolution): PolicyDocument {
  return { Version: '2012-10-17', Statement: resolveDeep(template, authored.Statement, local) as PolicyStatement[] };
}

/** A managed policy ARN (resolved) as a policy, when the loader knows what it grants. */
function managedPolicy(arn: string, partition: string, where: string): LoadedPolicy {
  if (arn === `arn:${partition}:iam::aws:policy/service-role/${BASIC_EXECUTION_ROLE}`) {
    return { name: BASIC_EXECUTION_ROLE, source: 'aws-managed-policy', policy: BASIC_EXECUTION_POLICY };
  }
  throw new Error(`${where}: managed policy ${arn} is not modelled (only ${BASIC_EXECUTION_ROLE} is)`);
}

/** The `Policies` of a SAM function or state machine, loaded. */
function samPolicies(template: Template, policies: unknown, local: LocalResolution, where: string): LoadedPolicy[] {
  const list = policies === undefined ? [] : Array.isArray(policies) ? policies : [policies];
  return list.flatMap((listed, index): LoadedPolicy[] => {
    // `!If [Condition, policy, !Ref AWS::NoValue]`: the branch the parameters choose; NoValue is no policy.
    let entry: unknown = listed;
    if (listed !== null && typeof listed === 'object' && 'Fn::If' in listed) {
      const [condition, whenTrue, whenFalse] = (listed as { 'Fn::If': [string, unknown, unknown] })['Fn::If'];
      entry = evaluateCondition(template, condition, local) ? whenTrue : whenFalse;
      if ((entry as { Ref?: unknown }).Ref === 'AWS::NoValue') return [];
    }
    return [samPolicy(template, entry, index, local, where)];
  });
}

function samPolicy(template: Template, entry: unknown, index: number, local: LocalResolution, where: string): LoadedPolicy {
  const partition = local.pseudo['AWS::Partition'];
  {
    if (typeof entry === 'string') {
      return managedPolicy(entry.startsWith('arn:') ? entry : `arn:${partition}:iam::aws:policy/${entry}`, partition, where);
    }
    if (isIntrinsic(entry)) return managedPolicy(resolveValue(template, entry, local), partition, where);
    const record = entry as Record<string, unknown>;
    if ('Statement' in record) {
      const authored = { Statement: [record.Statement].flat() as Record<string, unknown>[] };
      return { name: `Statement#${index}`, source: 'inline-statement', authored, policy: resolvedDocument(template, authored, local) };
    }
    const keys = Object.keys(record);
    if (keys.length !== 1) throw new Error(`${where}: Policies[${index}] is neither a statement list nor one SAM policy template`);
    const authored = expandSamPolicyTemplate(keys[0], record[keys[0]], `${where} Policies[${index}]`);
    return { name: `${keys[0]}#${index}`, source: 'sam-policy-template', authored, policy: resolvedDocument(template, authored, local) };
  }
}

/** The inline policies and managed policies of an `AWS::IAM::Role` resource, loaded. */
function rolePolicies(template: Template, roleLogicalId: string, local: LocalResolution): LoadedPolicy[] {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`template.yaml: ${roleLogicalId} is not an AWS::IAM::Role`);
  const properties = role.Properties ?? {};
  if (properties.PermissionsBoundary !== undefined) throw new Error(`template.yaml: ${roleLogicalId}.PermissionsBoundary is not modelled`);
  const inline = ((properties.Policies ?? []) as { PolicyName: string; PolicyDocument: { Statement: unknown } }[]).map(
    (entry): LoadedPolicy => {
      const authored = { Statement: [entry.PolicyDocument.Statement].flat() as Record<string, unknown>[] };
      return { name: entry.PolicyName, source: 'role-inline-policy', authored, policy: resolvedDocument(template, authored, local) };
    },
  );
  const partition = local.pseudo['AWS::Partition'];
  const managed = ((properties.ManagedPolicyArns ?? []) as unknown[]).map((arn) =>
    managedPolicy(resolveValue(template, arn, local), partition, `template.yaml: ${roleLogicalId}.ManagedPolicyArns`),
  );
  return [...inline, ...managed];
}

/**
 * SAM's grant for an asynchronous-invocation destination: an SQS `OnFailure`/`OnSuccess` destination gets
 * `sqs:SendMessage` on that queue (AWS SAM developer guide, "EventInvokeDestinationConfiguration": SAM adds the
 * permission for SQS, SNS, Lambda and EventBridge destinations). Other destination types are not modelled.
 */
function destinationPolicies(template: Template, config: unknown, local: LocalResolution, where: string): LoadedPolicy[] {
  const destinations =
    (config as { DestinationConfig?: Record<string, { Type?: string; Destination?: unknown }> } | undefined)?.DestinationConfig ?? {};
  return Object.entries(destinations).map(([name, destination]) => {
    if (destination.Type !== 'SQS') throw new Error(`${where}: EventInvokeConfig ${name} of type ${destination.Type} is not modelled`);
    const queueArn = resolveValue(template, destination.Destination, local);
    return {
      name: `EventInvokeConfig${name}`,
      source: 'sam-destination' as const,
      policy: { Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow' as const, Action: 'sqs:SendMessage', Resource: queueArn }] },
      authored: {
        Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: destination.Destination as Record<string, unknown> }],
      },
    };
  });
}

function refuseUnmodelled(properties: Record<string, unknown>, names: string[], where: string): void {
  for (const name of names) {
    if (properties[name] !== undefined) throw new Error(`${where}: ${name} adds permissions the least-privilege loader does not model`);
  }
}

/**
 * Loads the policies of every execution role of the template: each `AWS::Serverless::Function` (its explicit
 * `Role`, or SAM's implicit role: `AWSLambdaBasicExecutionRole` plus its `Policies`) and each
 * `AWS::Serverless::StateMachine` (SAM's implicit role with its `Policies`).
 *
 * @param local - how parameters, pseudo parameters and resource references resolve (pick the partition here).
 * @throws Error naming what it cannot model (see the module comment).
 */
export function loadExecutionRolePolicies(template: Template, local: LocalResolution): ExecutionRolePolicies[] {
  const globals = (template as { Globals?: { Function?: Record<string, unknown> } }).Globals?.Function ?? {};
  refuseUnmodelled(globals, [...UNMODELLED_FUNCTION_PROPERTIES, 'Policies', 'Role'], 'template.yaml: Globals.Function');
  const roles: ExecutionRolePolicies[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    const where = `template.yaml: ${logicalId}`;
    if (resource.Type === 'AWS::Serverless::Function') {
      refuseUnmodelled(properties, UNMODELLED_FUNCTION_PROPERTIES, where);
      for (const [name, event] of Object.entries((properties.Events ?? {}) as Record<string, { Type: string }>)) {
        if (POLLED_EVENT_TYPES.includes(event.Type))
          throw new Error(`${where}: event ${name} (${event.Type}) adds poller permissions the loader does not model`);
      }
      if (properties.Role !== undefined) {
        const role = properties.Role as { 'Fn::GetAtt'?: string[] };
        const roleLogicalId = role['Fn::GetAtt']?.[0];
        if (!roleLogicalId || role['Fn::GetAtt']?.[1] !== 'Arn') throw new Error(`${where}: Role must be !GetAtt <AWS::IAM::Role>.Arn`);
        // SAM ignores Policies when Role is given: say so rather than silently dropping them.
        if (properties.Policies !== undefined) throw new Error(`${where}: Policies are ignored by SAM when Role is set`);
        roles.push({ logicalId, kind: 'function', roleLogicalId, policies: rolePolicies(template, roleLogicalId, local) });
      } else {
        const basic = managedPolicy(
          `arn:${local.pseudo['AWS::Partition']}:iam::aws:policy/service-role/${BASIC_EXECUTION_ROLE}`,
          local.pseudo['AWS::Partition'],
          where,
        );
        roles.push({
          logicalId,
          kind: 'function',
          roleLogicalId: `${logicalId}Role`,
          policies: [
            basic,
            ...samPolicies(template, properties.Policies, local, where),
            ...destinationPolicies(template, properties.EventInvokeConfig, local, where),
          ],
        });
      }
    } else if (resource.Type === 'AWS::Serverless::StateMachine') {
      refuseUnmodelled(properties, UNMODELLED_STATE_MACHINE_PROPERTIES, where);
      if (properties.Role !== undefined) throw new Error(`${where}: an explicit state machine Role is not modelled`);
      roles.push({
        logicalId,
        kind: 'state-machine',
        roleLogicalId: `${logicalId}Role`,
        policies: samPolicies(template, properties.Policies, local, where),
      });
    }
  }
  return roles;
}
