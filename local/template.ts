/** Reading `template.yaml` as the local run needs it: the functions, their EventBridge patterns, the state machines. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type ScalarTag, type CollectionTag } from 'yaml';
import { cachedJson } from './disk-cache';
import { matchesEventPattern } from './event-pattern';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** The short-form intrinsics template.yaml uses, parsed into `{ "Fn::X": value }` / `{ Ref: value }`. */
const cfnTags: (ScalarTag | CollectionTag)[] = ['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Equals', 'Not', 'FindInMap'].flatMap((name) => {
  const key = name === 'Ref' ? name : `Fn::${name}`;
  const resolve = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value: string) => resolve(value) },
    { tag: `!${name}`, collection: 'seq', resolve: (value: { toJSON(): unknown }) => resolve(value.toJSON()) },
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

let parsed: { text: string; template: Template } | undefined;

/** Loads `template.yaml`, read each time, its parse (~0.1 s) kept by its text, also for the next process; each caller gets its own copy. */
export function loadTemplate(): Template {
  const text = readFileSync(path.join(REPO_ROOT, 'template.yaml'), 'utf8');
  if (parsed?.text !== text)
    parsed = { text, template: cachedJson('template', text, () => parse(text, { customTags: cfnTags }) as Template) };
  return structuredClone(parsed.template);
}

/** How references resolve locally: pseudo parameters, resources (`Logical` or `Logical.Attr`), parameters over their defaults. */
export interface LocalResolution {
  pseudo: Record<string, string>;
  resources: Record<string, string>;
  parameters?: Record<string, string>;
}

/** A value with intrinsics as a string, a condition as `'true'`/`'false'`. @throws Error naming what cannot be resolved locally. */
export function resolveValue(template: Template, value: unknown, local: LocalResolution): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  const intrinsic = value as Record<string, unknown>;
  const resolve = (item: unknown) => resolveValue(template, item, local);
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
  if ('Fn::Sub' in intrinsic) return String(intrinsic['Fn::Sub']).replace(/\$\{([\w:.]+)\}/g, (_, name: string) => lookup(name));
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown];
    const list = Array.isArray(parts) ? parts.map(resolve) : resolve(parts).split(',');
    return list.filter((part) => part !== '').join(separator);
  }
  if ('Fn::Equals' in intrinsic) {
    const [left, right] = (intrinsic['Fn::Equals'] as unknown[]).map(resolve);
    return String(left === right);
  }
  if ('Condition' in intrinsic) {
    const name = String(intrinsic.Condition);
    if (!Object.hasOwn(template.Conditions ?? {}, name)) throw new Error(`template.yaml: no condition ${name}`);
    return resolve(template.Conditions?.[name]);
  }
  if ('Fn::Not' in intrinsic) return String(resolve((intrinsic['Fn::Not'] as unknown[])[0]) !== 'true');
  throw new Error(`template.yaml: intrinsic ${Object.keys(intrinsic).join(',')} is not supported locally`);
}

/** A function of the template: esbuild entry point and target, explicit role, EventBridge patterns by event, raw environment. */
export type TemplateFunction = ReturnType<typeof templateFunctions>[number];

/** The `AWS::Serverless::Function` resources with their esbuild entry points. */
export function templateFunctions(template: Template) {
  const globals = template.Globals?.Function?.Environment?.Variables ?? {};
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Serverless::Function')
    .map(([logicalId, { Properties: properties = {}, Metadata }]) => {
      const build = (Metadata?.BuildProperties ?? {}) as { EntryPoints?: string[]; Target?: string };
      const events = (properties.Events ?? {}) as Record<string, { Type: string; Properties: { Pattern: Record<string, unknown> } }>;
      const environment = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
      return {
        logicalId,
        // Relative to the repository, e.g. `functions/provision-role/index.ts`.
        entryPoint: build.EntryPoints?.[0] ?? '',
        handler: String(properties.Handler),
        target: build.Target ?? '',
        roleLogicalId: (properties.Role as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0],
        eventPatterns: Object.fromEntries(
          Object.entries(events).flatMap(([name, event]) => (event.Type === 'EventBridgeRule' ? [[name, event.Properties.Pattern]] : [])),
        ),
        // Globals merged in, intrinsics unresolved.
        environment: { ...globals, ...environment },
      };
    });
}

/** The function whose EventBridge rule matches the event (EventBridge delivers it there), if any. */
export function eventTarget(template: Template, event: unknown): TemplateFunction | undefined {
  return templateFunctions(template).find((fn) => Object.values(fn.eventPatterns).some((pattern) => matchesEventPattern(pattern, event)));
}

/** The `AWS::Serverless::StateMachine` `wanted`, else the first (onboarding). @throws Error when the template has no such one. */
export function templateStateMachine(template: Template, wanted?: string) {
  const found = Object.entries(template.Resources).find(([id, it]) => it.Type === 'AWS::Serverless::StateMachine' && (wanted ?? id) === id);
  if (!found?.[1].Properties) throw new Error(`template.yaml has no AWS::Serverless::StateMachine ${wanted ?? ''}`.trim());
  const [logicalId, { Properties: properties }] = found;
  const substitutions = (properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  return { logicalId, definitionUri: String(properties.DefinitionUri), substitutions };
}

/** A state machine's definition, `${Name}`s substituted as CloudFormation would. @throws Error naming one without substitution. */
export function loadDefinition(template: Template, local: LocalResolution, logicalId?: string): Record<string, unknown> {
  const machine = templateStateMachine(template, logicalId);
  const text = readFileSync(path.join(REPO_ROOT, machine.definitionUri), 'utf8');
  const substituted = text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (!(name in machine.substitutions)) throw new Error(`${machine.definitionUri}: no DefinitionSubstitutions for \${${name}}`);
    return resolveValue(template, machine.substitutions[name], local);
  });
  return JSON.parse(substituted) as Record<string, unknown>;
}

/** Whether a value is one intrinsic function (`{ Ref: … }`, `{ 'Fn::X': … }`). */
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** Resolves every intrinsic inside a JSON-like value (e.g. a policy document). */
export function resolveDeep(template: Template, value: unknown, local: LocalResolution): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveDeep(template, item, local));
  if (value === null || typeof value !== 'object') return value;
  if (isIntrinsic(value)) return resolveValue(template, value, local);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(template, item, local)]));
}
