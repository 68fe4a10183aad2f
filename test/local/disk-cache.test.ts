/**
 * What processes keep for each other under node_modules/.cache/: a value is computed once per key, and a file that
 * cannot be read as JSON (cut short, say) is computed again, never returned.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheFile, cachedJson } from '../../local/disk-cache';

const NAME = `disk-cache-test-${process.pid}`;

describe('Module: local/disk-cache', () => {
  afterAll(() => rmSync(path.dirname(cacheFile(NAME, 'x')), { recursive: true, force: true }));

  it('computes a value once per key, then reads it back, also when another key comes between', () => {
    // Prepare
    const compute = jest.fn((n: number) => ({ n, list: [n, 'x'] }));

    // Act
    const first = cachedJson(NAME, 'one', () => compute(1));
    const other = cachedJson(NAME, 'two', () => compute(2));
    const again = cachedJson(NAME, 'one', () => compute(3));

    // Assess
    expect([first, other, again]).toEqual([
      { n: 1, list: [1, 'x'] },
      { n: 2, list: [2, 'x'] },
      { n: 1, list: [1, 'x'] },
    ]);
    expect(compute).toHaveBeenCalledTimes(2);
  });

  it('computes again over a kept file that is not whole JSON', () => {
    // Prepare: the file of key 'cut' as a writer cut short would leave it.
    cachedJson(NAME, 'cut', () => ({ kept: true }));
    for (const file of readdirSync(path.dirname(cacheFile(NAME, 'x')))) writeFileSync(cacheFile(NAME, file), '{"kept": tr');

    // Act
    const value = cachedJson(NAME, 'cut', () => ({ kept: false }));

    // Assess
    expect(value).toEqual({ kept: false });
    expect(cachedJson(NAME, 'cut', () => ({ kept: 'never' }))).toEqual({ kept: false });
  });
});
