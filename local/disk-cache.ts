/** What processes of this repository (local runs, tests, scripts) keep for each other under node_modules/.cache/. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const cacheFile = (name: string, file: string) => path.resolve(__dirname, '..', 'node_modules', '.cache', name, file);

/** The JSON in `file`; `undefined` when it is missing or unreadable. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Written whole, then renamed: a process reading it meanwhile finds it complete or not at all. */
export function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(value));
  renameSync(`${file}.${process.pid}.tmp`, file);
}

/**
 * `compute()`'s value (JSON), kept in node_modules/.cache/`name`/ by the sha256 of `key`, which must name all it depends on.
 * @example const template = cachedJson('template', text, () => parse(text));
 */
export function cachedJson<T>(name: string, key: string, compute: () => T): T {
  const file = cacheFile(name, `${createHash('sha256').update(key).digest('hex')}.json`);
  const kept = readJson<T>(file);
  if (kept !== undefined) return kept;
  const value = compute();
  writeJson(file, value);
  return value;
}
