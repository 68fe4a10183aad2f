/**
 * README diagrams render: every ```mermaid block parses with mermaid's own parser (scripts/check-diagrams.ts, run as
 * a child process because mermaid ships ES modules only, by Node itself, which strips the types), and the checker does
 * reject what mermaid rejects.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheFile, readJson, writeJson } from '../../local/disk-cache';
import { mermaidBlocks, problemsOf } from '../../scripts/check-diagrams';
import { ROOT } from '../helpers';

type Verdict = { code: number; stderr: string };

/**
 * The checker's verdict on the files, kept (node_modules/.cache/readme-diagrams/) by all it depends on: the checker,
 * the locked mermaid and jsdom, and each file's name and content. Each run of the checker loads mermaid: ~2 s of CPU.
 */
async function checkDiagrams(...files: string[]): Promise<Verdict> {
  const read = (file: string) => readFileSync(path.resolve(ROOT, file), 'utf8');
  const key = JSON.stringify([read('scripts/check-diagrams.ts'), read('package-lock.json'), files.map((file) => [file, read(file)])]);
  const kept = cacheFile('readme-diagrams', `${createHash('sha256').update(key).digest('hex')}.json`);
  const found = readJson<Verdict>(kept);
  if (found) return found;
  const verdict = await runCheckDiagrams(files);
  // Only the checker's answers (0: all parse, 1: some do not), not a failure to run it (2, a time-out…).
  if (verdict.code === 0 || verdict.code === 1) writeJson(kept, verdict);
  return verdict;
}

function runCheckDiagrams(files: string[]): Promise<Verdict> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--no-warnings', path.join(ROOT, 'scripts', 'check-diagrams.ts'), ...files],
      { cwd: ROOT, timeout: 60_000 },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

function markdownFile(content: string, name = 'doc.md', dir = mkdtempSync(path.join(tmpdir(), 'diagrams-'))): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  // Whole, then renamed: a checkout sharing node_modules may be reading the same sample meanwhile.
  writeFileSync(`${file}.${process.pid}.tmp`, content);
  renameSync(`${file}.${process.pid}.tmp`, file);
  return file;
}

describe('README: diagrams', () => {
  it('has the flowchart of how it works', () => {
    const blocks = mermaidBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks[0].text).toMatch(/^flowchart /);
  });

  it('parses every mermaid block with mermaid, whose parser does reject an unquoted label holding braces', async () => {
    // One child process for all (mermaid takes seconds to load): the README, the operator node as it was before the
    // fix (mermaid reads `{` as the start of a diamond), and the same node quoted; at paths of their own that stay put,
    // so that the verdict is found again.
    const dir = cacheFile('readme-diagrams', 'samples');
    const unquoted = markdownFile(
      'text\n\n```mermaid\nflowchart LR\n  OP[Operator<br/>{"accountId": "…"}] --> SM\n```\n',
      'unquoted.md',
      dir,
    );
    const quoted = markdownFile(
      '```mermaid\nflowchart LR\n  OP["Operator<br/>{#quot;accountId#quot;: #quot;…#quot;}"] --> SM\n```\n',
      'quoted.md',
      dir,
    );

    const { code, stderr } = await checkDiagrams('README.md', unquoted, quoted);

    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`${unquoted}:3: Parse error on line 2`)).toBe(true);
  });
});

describe('scripts/check-diagrams.ts', () => {
  it('finds each fenced mermaid block with the line of its fence, and nothing else', () => {
    const markdown = [
      '# t',
      '```sh',
      'flowchart LR',
      '```',
      '',
      '```mermaid',
      'flowchart LR',
      '  A --> B',
      '```',
      '~~~mermaid',
      'pie',
      '~~~',
    ].join('\n');
    expect(mermaidBlocks(markdown)).toEqual([
      { line: 6, text: 'flowchart LR\n  A --> B' },
      { line: 10, text: 'pie' },
    ]);
  });

  it('fails on a file without any diagram rather than passing vacuously', async () => {
    const file = markdownFile('# no diagram\n');
    const parse = jest.fn(async () => undefined);

    await expect(problemsOf(file, parse)).rejects.toThrow(`${file}: no mermaid diagram`);
    expect(parse).not.toHaveBeenCalled();
  });
});
