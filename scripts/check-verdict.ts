/**
 * The verdicts of checks kept by the contents of the files they read (node_modules/.cache/NAME/passed.json): while
 * none changes, a passing verdict stands, as ESLint's and Prettier's caches do.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cacheFile, readJson, writeJson } from '../local/disk-cache';
import { REPO_ROOT } from '../local/template';

/** A hash of the files (paths from the repository's root) and their contents; `undefined` when one cannot be read. */
function contentHash(files: string[]): string | undefined {
  const hash = createHash('sha256');
  try {
    for (const file of [...files].sort())
      hash
        .update(`${file}\0`)
        .update(readFileSync(path.resolve(REPO_ROOT, file)))
        .update('\0');
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

/** Whether the check `name` passed before, on the very contents of the files it read then (see {@link recordPass}). */
export function passedBefore(name: string): boolean {
  const last = readJson<{ files: string[]; hash: string }>(cacheFile(name, 'passed.json'));
  const hash = last && contentHash(last.files);
  return hash !== undefined && hash === last?.hash;
}

/** Records that the check `name` passed, having read `files`: every file its verdict depends on. */
export function recordPass(name: string, files: string[]): void {
  const hash = contentHash(files);
  if (hash !== undefined) writeJson(cacheFile(name, 'passed.json'), { files, hash });
}
