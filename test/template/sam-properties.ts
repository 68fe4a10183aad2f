/**
 * The properties AWS SAM accepts on the serverless resources and event sources this template uses, as the SAM
 * Developer Guide documents them. SAM's transform refuses any other property ("property X not defined for resource
 * of type Y", error E0001 of cfn-lint), so a template that passes {@link samPropertyProblems} passes that part of the
 * transform. To use a new event type or property, add it here from its documentation page first.
 */
import type { Template } from '../../local/template';

/** A documented property list, with the page it comes from. */
interface DocumentedProperties {
  /** SAM Developer Guide page listing the properties. */
  source: string;
  /** Every property SAM accepts. */
  allowed: readonly string[];
  /** Properties SAM requires. */
  required: readonly string[];
}

const SAM_GUIDE = 'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide';

/** Properties of each `AWS::Serverless::*` resource type the template uses. */
export const RESOURCE_PROPERTIES: Record<string, DocumentedProperties> = {
  'AWS::Serverless::Function': {
    source: `${SAM_GUIDE}/sam-resource-function.html`,
    allowed: [
      'Architectures',
      'AssumeRolePolicyDocument',
      'AutoPublishAlias',
      'AutoPublishAliasAllProperties',
      'AutoPublishCodeSha256',
      'CodeSigningConfigArn',
      'CodeUri',
      'DeadLetterQueue',
      'DeploymentPreference',
      'Description',
      'Environment',
      'EphemeralStorage',
      'EventInvokeConfig',
      'Events',
      'FileSystemConfigs',
      'FunctionName',
      'FunctionUrlConfig',
      'Handler',
      'ImageConfig',
      'ImageUri',
      'InlineCode',
      'KmsKeyArn',
      'Layers',
      'LoggingConfig',
      'MemorySize',
      'PackageType',
      'PermissionsBoundary',
      'Policies',
      'PropagateTags',
      'ProvisionedConcurrencyConfig',
      'RecursiveLoop',
      'ReservedConcurrentExecutions',
      'Role',
      'RolePath',
      'Runtime',
      'RuntimeManagementConfig',
      'SnapStart',
      'SourceKMSKeyArn',
      'Tags',
      'Timeout',
      'Tracing',
      'VersionDeletionPolicy',
      'VersionDescription',
      'VpcConfig',
    ],
    required: [],
  },
  'AWS::Serverless::StateMachine': {
    source: `${SAM_GUIDE}/sam-resource-statemachine.html`,
    allowed: [
      'AutoPublishAlias',
      'Definition',
      'DefinitionSubstitutions',
      'DefinitionUri',
      'DeploymentPreference',
      'Events',
      'Logging',
      'Name',
      'PermissionsBoundary',
      'Policies',
      'PropagateTags',
      'Role',
      'RolePath',
      'Tags',
      'Tracing',
      'Type',
      'UseAliasAsEventTarget',
    ],
    required: [],
  },
};

/** Properties of each event source `Type` of a function the template uses. */
export const EVENT_SOURCE_PROPERTIES: Record<string, DocumentedProperties> = {
  EventBridgeRule: {
    source: `${SAM_GUIDE}/sam-property-function-eventbridgerule.html`,
    allowed: [
      'DeadLetterConfig',
      'EventBusName',
      'Input',
      'InputPath',
      'InputTransformer',
      'Pattern',
      'RetryPolicy',
      'RuleName',
      'State',
      'Target',
    ],
    required: ['Pattern'],
  },
};

/** Properties of the nested objects of an event source, by `<Type>.<Property>`. */
export const EVENT_SOURCE_NESTED_PROPERTIES: Record<string, DocumentedProperties> = {
  'EventBridgeRule.DeadLetterConfig': {
    source: `${SAM_GUIDE}/sam-property-function-deadletterconfig.html`,
    allowed: ['Arn', 'QueueLogicalId', 'Type'],
    required: [],
  },
  'EventBridgeRule.RetryPolicy': {
    // SAM passes it to AWS::Events::Rule Target's RetryPolicy unchanged.
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-events-rule-retrypolicy.html',
    allowed: ['MaximumEventAgeInSeconds', 'MaximumRetryAttempts'],
    required: [],
  },
};

function checkProperties(where: string, properties: unknown, documented: DocumentedProperties | undefined, what: string): string[] {
  if (documented === undefined) return [`${where}: ${what} has no documented property list here; add it from the SAM Developer Guide`];
  if (properties === undefined) properties = {};
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return [`${where}: Properties must be an object`];
  const names = Object.keys(properties);
  return [
    ...names
      .filter((name) => !documented.allowed.includes(name))
      .map((name) => `${where}: property ${name} is not defined for ${what} (${documented.source})`),
    ...documented.required
      .filter((name) => !names.includes(name))
      .map((name) => `${where}: required property ${name} of ${what} is missing (${documented.source})`),
  ];
}

/**
 * Checks every serverless resource of a template, and each event source of its functions, against SAM's documented
 * properties.
 *
 * @returns one line per problem, naming the resource, the event and the property; empty when the template passes.
 */
export function samPropertyProblems(template: Template): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type.startsWith('AWS::Serverless::'))
    .flatMap(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const problems = checkProperties(logicalId, properties, RESOURCE_PROPERTIES[resource.Type], resource.Type);
      if (resource.Type !== 'AWS::Serverless::Function') return problems;
      const events = (properties.Events ?? {}) as Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
      for (const [eventName, event] of Object.entries(events)) {
        const where = `${logicalId}.Events.${eventName}`;
        const type = String(event.Type);
        problems.push(...checkProperties(where, event.Properties, EVENT_SOURCE_PROPERTIES[type], `event source type ${type}`));
        for (const [name, value] of Object.entries(event.Properties ?? {})) {
          const nested = EVENT_SOURCE_NESTED_PROPERTIES[`${type}.${name}`];
          if (nested !== undefined) problems.push(...checkProperties(`${where}.${name}`, value, nested, `${type} ${name}`));
        }
      }
      return problems;
    });
}
