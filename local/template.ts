/**
 * Reading `template.yaml` the way the local run needs it: the functions (entry point, environment with parameters
 * resolved to their defaults), the EventBridge patterns of the starter, and the state machine definition with its
 * substitutions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type ScalarTag, type CollectionTag } from 'yaml';
import { matchesEventPattern } from './event-pattern';

/** Root of the repository. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** An intrinsic function as parsed: `{ '!Ref': 'X' }`, `{ '!Sub': '...' }`, `{ '!GetAtt': 'A.B' }`… */
type Intrinsic = Record<string, unknown>;

const INTRINSICS = [
  'Ref',
  'Sub',
  'GetAtt',
  'Join',
  'If',
  'Equals',
  'Not',
  'Select',
  'Split',
  'FindInMap',
  'GetAZs',
  'ImportValue',
  'Base64',
  'Condition',
  'And',
  'Or',
];

/** YAML tags for CloudFormation's short-form intrinsics, parsed into `{ "Fn::X": value }` / `{ Ref: value }`. */
const cfnTags: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const resolve = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value: string) => resolve(value) },
    { tag: `!${name}`, collection: 'seq', resolve: (value: { toJSON(): unknown }) => resolve(value.toJSON()) },
    { tag: `!${name}`, collection: 'map', resolve: (value: { toJSON(): unknown }) => resolve(value.toJSON()) },
  ];
});

/** The parsed template (CloudFormation JSON form). */
export interface Template {
  Parameters: Record<
    string,
    {
      Type: string;
      Default?: string | number;
      AllowedValues?: (string | number)[];
      AllowedPattern?: string;
      MinValue?: number;
      MaxValue?: number;
    }
  >;
  Conditions?: Record<string, unknown>;
  Globals?: { Function?: { Environment?: { Variables?: Record<string, unknown> } } };
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

/** Each template file's text and its parse, as last read: a local run loads the template every time it starts. */
const parsedTemplates = new Map<string, { text: string; template: Template }>();

/**
 * Loads and parses `template.yaml`. The file is read each time; its parse (about a tenth of a second) is reused while
 * the text is unchanged. Each caller gets its own copy, free to change.
 */
export function loadTemplate(file = path.join(REPO_ROOT, 'template.yaml')): Template {
  const text = readFileSync(file, 'utf8');
  let parsed = parsedTemplates.get(file);
  if (parsed?.text !== text) {
    parsed = { text, template: parse(text, { customTags: cfnTags }) as Template };
    parsedTemplates.set(file, parsed);
  }
  return structuredClone(parsed.template);
}

/** How references resolve outside AWS: parameters to their defaults, pseudo parameters and attributes to given values. */
export interface LocalResolution {
  /** Values of `AWS::Partition`, `AWS::Region`, `AWS::AccountId`, `AWS::StackName`. */
  pseudo: Record<string, string>;
  /** Values for `!GetAtt Logical.Attr` and `!Ref Logical` of resources, keyed `Logical.Attr` or `Logical`. */
  resources: Record<string, string>;
  /** Parameter values overriding the defaults. */
  parameters?: Record<string, string>;
}

/**
 * Resolves an intrinsic-bearing value to a string.
 *
 * @throws Error naming the reference when it cannot be resolved locally.
 */
export function resolveValue(template: Template, value: unknown, local: LocalResolution): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  const intrinsic = value as Intrinsic;
  const lookup = (name: string): string => {
    if (local.parameters?.[name] !== undefined) return local.parameters[name];
    if (name in local.pseudo) return local.pseudo[name];
    const parameter = template.Parameters[name];
    if (parameter) return String(parameter.Default ?? '');
    if (name in local.resources) return local.resources[name];
    throw new Error(`template.yaml: cannot resolve ${name} locally`);
  };
  if ('Ref' in intrinsic) return lookup(String(intrinsic.Ref));
  if ('Fn::GetAtt' in intrinsic) return lookup((intrinsic['Fn::GetAtt'] as string[]).join('.'));
  if ('Fn::Sub' in intrinsic) {
    return String(intrinsic['Fn::Sub']).replace(/\$\{([\w:.]+)\}/g, (_, name: string) => lookup(name));
  }
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown];
    const list = Array.isArray(parts)
      ? parts.map((part) => resolveValue(template, part, local))
      : resolveValue(template, parts, local).split(',');
    return list.filter((part) => part !== '').join(separator);
  }
  throw new Error(`template.yaml: intrinsic ${Object.keys(intrinsic).join(',')} is not supported locally`);
}

/**
 * Evaluates a condition of the template's `Conditions` (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`)
 * with the local parameter values.
 *
 * @throws Error for an unknown condition or an intrinsic not modelled here.
 */
export function evaluateCondition(template: Template, condition: unknown, local: LocalResolution): boolean {
  if (typeof condition === 'string') {
    if (!template.Conditions || !Object.hasOwn(template.Conditions, condition)) throw new Error(`template.yaml: no condition ${condition}`);
    return evaluateCondition(template, template.Conditions[condition], local);
  }
  const intrinsic = condition as Record<string, unknown>;
  if ('Condition' in intrinsic) return evaluateCondition(template, String(intrinsic.Condition), local);
  if ('Fn::Equals' in intrinsic) {
    const [left, right] = intrinsic['Fn::Equals'] as [unknown, unknown];
    return resolveValue(template, left, local) === resolveValue(template, right, local);
  }
  if ('Fn::Not' in intrinsic) return !evaluateCondition(template, (intrinsic['Fn::Not'] as unknown[])[0], local);
  if ('Fn::And' in intrinsic) return (intrinsic['Fn::And'] as unknown[]).every((item) => evaluateCondition(template, item, local));
  if ('Fn::Or' in intrinsic) return (intrinsic['Fn::Or'] as unknown[]).some((item) => evaluateCondition(template, item, local));
  throw new Error(`template.yaml: condition ${JSON.stringify(condition)} is not supported locally`);
}

/** A function of the template. */
export interface TemplateFunction {
  logicalId: string;
  /** Entry point relative to the repository, e.g. `functions/provision-role/index.ts`. */
  entryPoint: string;
  /** `index.handler`. */
  handler: string;
  /** esbuild's `Target` (`BuildProperties.Target`), e.g. `node24`; `sam build` bundles for it. */
  target: string;
  /** Explicit role (`Role: !GetAtt X.Arn`) logical id, if any. */
  roleLogicalId?: string;
  /** The EventBridge patterns of its `EventBridgeRule` events, by event name. */
  eventPatterns: Record<string, unknown>;
  /** Raw environment variables (Globals merged in). */
  environment: Record<string, unknown>;
}

/** The `AWS::Serverless::Function` resources with their esbuild entry points. */
export function templateFunctions(template: Template): TemplateFunction[] {
  const globals = template.Globals?.Function?.Environment?.Variables ?? {};
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Serverless::Function')
    .map(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const build = (resource.Metadata?.BuildProperties ?? {}) as { EntryPoints?: string[]; Target?: string };
      const events = (properties.Events ?? {}) as Record<string, { Type: string; Properties: { Pattern: unknown } }>;
      const role = properties.Role as { 'Fn::GetAtt'?: string[] } | undefined;
      return {
        logicalId,
        entryPoint: build.EntryPoints?.[0] ?? '',
        handler: String(properties.Handler),
        target: build.Target ?? '',
        roleLogicalId: role?.['Fn::GetAtt']?.[0],
        eventPatterns: Object.fromEntries(
          Object.entries(events)
            .filter(([, event]) => event.Type === 'EventBridgeRule')
            .map(([name, event]) => [name, event.Properties.Pattern]),
        ),
        environment: {
          ...globals,
          ...((properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}),
        },
      };
    });
}

/** The function whose EventBridge rule matches the event (EventBridge delivers it there), if any. */
export function eventTarget(template: Template, event: unknown): TemplateFunction | undefined {
  return templateFunctions(template).find((fn) =>
    Object.values(fn.eventPatterns).some((pattern) => matchesEventPattern(pattern as Record<string, unknown>, event)),
  );
}

/** The state machine resource: its definition file and substitutions. */
export interface TemplateStateMachine {
  logicalId: string;
  definitionUri: string;
  substitutions: Record<string, unknown>;
}

/**
 * One of the template's `AWS::Serverless::StateMachine`s.
 *
 * @param wanted - its logical id; default the first (the onboarding state machine).
 * @throws Error when the template has no such state machine.
 */
export function templateStateMachine(template: Template, wanted?: string): TemplateStateMachine {
  const [logicalId, resource] =
    Object.entries(template.Resources).find(
      ([id, candidate]) => candidate.Type === 'AWS::Serverless::StateMachine' && (wanted === undefined || id === wanted),
    ) ?? [];
  if (!logicalId || !resource?.Properties) throw new Error(`template.yaml has no AWS::Serverless::StateMachine ${wanted ?? ''}`.trim());
  return {
    logicalId,
    definitionUri: String(resource.Properties.DefinitionUri),
    substitutions: (resource.Properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>,
  };
}

/**
 * The state machine definition with `${Name}` substitutions replaced, as CloudFormation would.
 *
 * @throws Error naming a placeholder that has no substitution.
 */
export function loadDefinition(template: Template, local: LocalResolution, logicalId?: string): Record<string, unknown> {
  const machine = templateStateMachine(template, logicalId);
  const text = readFileSync(path.join(REPO_ROOT, machine.definitionUri), 'utf8');
  const substituted = text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (!(name in machine.substitutions)) throw new Error(`${machine.definitionUri}: no DefinitionSubstitutions for \${${name}}`);
    return resolveValue(template, machine.substitutions[name], local);
  });
  return JSON.parse(substituted) as Record<string, unknown>;
}

/** Resolves every intrinsic inside a JSON-like value (e.g. a policy document). */
export function resolveDeep(template: Template, value: unknown, local: LocalResolution): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveDeep(template, item, local));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return resolveValue(template, value, local);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(template, item, local)]));
}
