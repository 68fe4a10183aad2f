/**
 * Checks request bodies against the Datadog client's models (their static `attributeTypeMap`), so the stand-in accepts
 * exactly what the client can send. Only model modules are imported: the API module loads every model (about 1.5 s).
 */
import type { AttributeTypeMap } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/util';

/** Models of the bodies the stand-in accepts. */
export type RequestModel = 'AWSAccountCreateRequest' | 'AWSAccountUpdateRequest' | 'EventCreateRequest';

type Model = { readonly attributeTypeMap: AttributeTypeMap };
const MODELS: Record<string, Model> = {};
const ENUMS: Record<string, readonly string[]> = {};
// Each module exports what it is named after: a model class, else an enum's values (v1: `POST /api/v1/events`,
// `ObjectSerializer.serialize(body, "EventCreateRequest")` in the client's EventsApi.js).
for (const module of [
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountCreateRequest',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountCreateRequestData',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountCreateRequestAttributes',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountUpdateRequest',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountUpdateRequestData',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountUpdateRequestAttributes',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAuthConfigKeys',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAuthConfigRole',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSRegionsIncludeAll',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSRegionsIncludeOnly',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSLogsConfig',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSLambdaForwarderConfig',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSLambdaForwarderConfigLogSourceConfig',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSLogSourceTagFilter',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSMetricsConfig',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSMetricNameFiltersIncludeOnly',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSMetricNameFiltersExcludeOnly',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSNamespaceFiltersExcludeOnly',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSNamespaceFiltersIncludeOnly',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSNamespaceTagFilter',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSResourcesConfig',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSTracesConfig',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/XRayServicesIncludeAll',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/XRayServicesIncludeOnly',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountPartition',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/AWSAccountType',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/EventCreateRequest',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/EventAlertType',
  '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/EventPriority',
]) {
  const name = module.slice(module.lastIndexOf('/') + 1);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(module) as Record<string, unknown>;
  if (name in exports) MODELS[name] = exports[name] as Model;
  else ENUMS[name] = Object.values(exports).filter((value): value is string => typeof value === 'string');
}

/** Members of the client's `oneOf` unions, copied from its unexported `oneOfMap` (models/ObjectSerializer.js). */
export const CLIENT_UNIONS: Readonly<Record<string, readonly string[]>> = {
  AWSAuthConfig: ['AWSAuthConfigKeys', 'AWSAuthConfigRole'],
  AWSRegions: ['AWSRegionsIncludeAll', 'AWSRegionsIncludeOnly'],
  AWSMetricNameFilters: ['AWSMetricNameFiltersIncludeOnly', 'AWSMetricNameFiltersExcludeOnly'],
  AWSNamespaceFilters: ['AWSNamespaceFiltersExcludeOnly', 'AWSNamespaceFiltersIncludeOnly'],
  XRayServicesList: ['XRayServicesIncludeAll', 'XRayServicesIncludeOnly'],
};

// The primitive types the request models use; unknownModelTypes reports any other (integer, Date…) a new client adds.
const PRIMITIVES = new Set(['string', 'boolean', 'number']);
const ARRAY_TYPE = /^Array<(.+)>$/;

// `additionalProperties` is allowed by the client, refused here.
const attributesOf = (model: string): AttributeTypeMap[string][] =>
  Object.values(MODELS[model].attributeTypeMap).filter((attribute) => attribute.baseName !== 'additionalProperties');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);
const label = (path: string) => (path === '' ? 'request body' : `field "${path}"`);

function checkModel(value: unknown, model: string, path: string): string | undefined {
  if (!isPlainObject(value)) return `${label(path)} must be an object`;
  const attributes = attributesOf(model);
  const unknown = Object.keys(value).find((key) => !attributes.some((attribute) => attribute.baseName === key));
  if (unknown !== undefined) return `unknown field "${join(path, unknown)}"`;
  for (const { baseName, type, required } of attributes) {
    if (!(baseName in value)) {
      if (required) return `missing required field "${join(path, baseName)}"`;
      continue;
    }
    const problem = checkValue(value[baseName], type, join(path, baseName));
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkUnion(value: unknown, members: readonly string[], path: string): string | undefined {
  if (!isPlainObject(value)) return `${label(path)} must be an object`;
  const problems = members.map((member) => checkValue(value, member, path));
  const matches = problems.filter((problem) => problem === undefined).length;
  if (matches === 1) return undefined;
  if (matches > 1) return `${label(path)} matches more than one of ${members.join(', ')}`;
  // Name the member whose required fields are all present: its problem is the one the caller meant to fix.
  const meant = members.flatMap((member, index) => {
    const required = attributesOf(member).filter((attribute) => attribute.required);
    return required.every((attribute) => attribute.baseName in value) ? [problems[index]] : [];
  });
  if (meant.length === 1) return meant[0];
  return `${label(path)} must match exactly one of ${members.join(', ')}`;
}

function checkValue(value: unknown, type: string, path: string): string | undefined {
  const arrayOf = ARRAY_TYPE.exec(type);
  if (arrayOf !== null) {
    if (!Array.isArray(value)) return `${label(path)} must be an array`;
    for (const [index, item] of value.entries()) {
      const problem = checkValue(item, arrayOf[1], `${path}[${index}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (PRIMITIVES.has(type)) {
    return typeof value === type && (type !== 'number' || Number.isFinite(value)) ? undefined : `${label(path)} must be a ${type}`;
  }
  const allowed = ENUMS[type];
  if (allowed !== undefined) {
    return typeof value === 'string' && allowed.includes(value)
      ? undefined
      : `${label(path)} must be one of ${allowed.map((item) => `"${item}"`).join(', ')}`;
  }
  if (CLIENT_UNIONS[type] !== undefined) return checkUnion(value, CLIENT_UNIONS[type], path);
  if (MODELS[type] !== undefined) return checkModel(value, type, path);
  // A type the tables above do not know: a client upgrade; fail as a server bug, not as a client error.
  throw new Error(`local Datadog: no validator for client model type "${type}"`);
}

/** `undefined` if a body matches a client model, else the first bad field. @throws Error for a type unknown here (client upgrade). */
export const checkRequestBody = (body: unknown, model: RequestModel) => checkValue(body, model, '');

/** Type names reachable from the request models that this module cannot check, sorted (a test expects none). */
export function unknownModelTypes(): string[] {
  const seen = new Set<string>();
  const unknown = new Set<string>();
  const visit = (type: string): void => {
    const arrayOf = ARRAY_TYPE.exec(type);
    if (arrayOf !== null) return visit(arrayOf[1]);
    if (seen.has(type) || PRIMITIVES.has(type) || ENUMS[type] !== undefined) return;
    seen.add(type);
    if (CLIENT_UNIONS[type] !== undefined) CLIENT_UNIONS[type].forEach(visit);
    else if (MODELS[type] !== undefined) attributesOf(type).forEach((attribute) => visit(attribute.type));
    else unknown.add(type);
  };
  ['AWSAccountCreateRequest', 'AWSAccountUpdateRequest', 'EventCreateRequest'].forEach(visit);
  return [...unknown].sort();
}
