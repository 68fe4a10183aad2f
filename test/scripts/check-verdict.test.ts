/**
 * A check's kept verdict (what lets `npm run bundle -- --check` skip its build): it stands only while every file it read
 * is as it was when the check passed.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheFile } from '../../local/disk-cache';
import { passedBefore, recordPass } from '../../scripts/check-verdict';

const NAME = `check-verdict-test-${process.pid}`;

describe('Module: scripts/check-verdict', () => {
  let dir: string;
  let files: string[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'check-verdict-'));
    files = ['a.ts', 'b.json'].map((name) => path.join(dir, name));
    for (const file of files) writeFileSync(file, `content of ${path.basename(file)}`);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.dirname(cacheFile(NAME, 'x')), { recursive: true, force: true });
  });

  it('has no verdict before the check first passes, and one after', () => {
    expect(passedBefore(NAME)).toBe(false);
    recordPass(NAME, files);
    expect(passedBefore(NAME)).toBe(true);
  });

  it('drops the verdict when a file it read changes, even to content of the same length', () => {
    recordPass(NAME, files);
    writeFileSync(files[1], 'content of b.jsoN');
    expect(passedBefore(NAME)).toBe(false);
  });

  it('drops the verdict when a file it read is gone', () => {
    recordPass(NAME, files);
    unlinkSync(files[0]);
    expect(passedBefore(NAME)).toBe(false);
  });

  it('records nothing when a file to record cannot be read: the verdict before it stands, and falls with its own files', () => {
    recordPass(NAME, files);
    recordPass(NAME, [...files, path.join(dir, 'missing.ts')]);
    expect(passedBefore(NAME)).toBe(true);
    writeFileSync(files[0], 'changed');
    expect(passedBefore(NAME)).toBe(false);
  });
});
