/**
 * Canary Datadog keys and a scanner that finds them in any text, in the forms a leak would take: verbatim,
 * JSON-escaped, URL-encoded, base64 (any alignment, standard or URL-safe), hex, or cut to their random part.
 */
import { randomBytes } from 'node:crypto';
import { format } from 'node:util';

/**
 * Fresh keys for each test run. `+`, `/` and `=` make the URL-encoded and base64 forms differ from the raw one, and
 * are valid in the DD-API-KEY / DD-APPLICATION-KEY headers.
 */
export const CANARY_KEYS = {
  apiKey: `canary+api/${randomBytes(16).toString('hex')}=`,
  appKey: `canary+app/${randomBytes(20).toString('hex')}=`,
};

/** The random part of a canary: any copy of the key, however escaped, keeps it. */
function randomPart(canary: string): string {
  return canary.replace(/^canary\+ap[ip]\//, '').replace(/=$/, '');
}

/** Base64 of `value` wherever it starts in a larger buffer: the middle of each of the three alignments. */
function base64Forms(value: string): [string, string][] {
  const forms: [string, string][] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.from(`${'\0'.repeat(shift)}${value}`).toString('base64');
    // Drop the characters the preceding and following bytes influence.
    const stable = encoded.slice(shift === 0 ? 0 : 4, encoded.length - 4);
    forms.push([`base64, offset ${shift}`, stable], [`base64url, offset ${shift}`, stable.replace(/\+/g, '-').replace(/\//g, '_')]);
  }
  return forms;
}

/** Every form of one canary the scanner looks for, by name. */
function formsOf(canary: string): [string, string][] {
  return [
    ['verbatim', canary],
    ['random part', randomPart(canary)],
    ['URL-encoded', encodeURIComponent(canary)],
    ['form-encoded', new URLSearchParams({ k: canary }).toString().slice(2)],
    ['hex', Buffer.from(canary).toString('hex')],
    ...base64Forms(canary),
  ];
}

const FORMS = Object.entries(CANARY_KEYS).flatMap(([name, canary]) =>
  formsOf(canary).map(([form, value]) => [`${name} (${form})`, value] as const),
);

/** The canary forms `text` contains, e.g. `['apiKey (base64, offset 1)']`; empty when there is no leak. */
export function canariesIn(text: string): string[] {
  return FORMS.filter(([, value]) => text.includes(value)).map(([label]) => label);
}

/** The same, for any value (serialized as JSON; errors with their name, message, stack and cause). */
export function canariesInValue(value: unknown): string[] {
  return canariesIn(serialize(value));
}

function serialize(value: unknown): string {
  if (value instanceof Error) {
    const cause = (value as { cause?: unknown }).cause;
    return [value.name, value.message, value.stack ?? '', JSON.stringify(value), cause === undefined ? '' : serialize(cause)].join('\n');
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * What was written to stdout, stderr and the console while `act` ran (recorded, not printed), and its result or
 * error.
 */
export async function captureOutput<T>(act: () => Promise<T>): Promise<{ value?: T; error?: unknown; output: string }> {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(record),
    jest.spyOn(process.stderr, 'write').mockImplementation(record),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        chunks.push(`${format(...args)}\n`);
      }),
    ),
  ];
  try {
    return { value: await act(), output: chunks.join('') };
  } catch (error) {
    return { error, output: chunks.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
