/**
 * Parses every ```mermaid block of Markdown files with mermaid's own parser, the one GitHub's renderer runs, so a
 * diagram that would show "Unable to render rich display" fails here instead.
 *
 * Usage: `node --no-warnings scripts/check-diagrams.ts README.md [more.md…]` (Node strips the types and reads the file
 * as an ES module, as mermaid requires; `--no-warnings` keeps it from saying so), or with `tsx`. Prints one line per
 * block that does not parse (`FILE:LINE: mermaid's message`) and exits 1; prints nothing and exits 0 when every block
 * parses; exits 2 when a file cannot be read or holds no diagram at all.
 */
import { readFileSync } from 'node:fs';

/** A fenced mermaid block: its text and the 1-based line of its opening fence. */
export interface MermaidBlock {
  line: number;
  text: string;
}

/** The ```mermaid blocks of a Markdown text, in order. */
export function mermaidBlocks(markdown: string): MermaidBlock[] {
  const blocks: MermaidBlock[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^(\s*)(`{3,}|~{3,})\s*mermaid\s*$/.exec(lines[index]);
    if (!open) continue;
    const fence = open[2];
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !lines[end].trim().startsWith(fence)) body.push(lines[end++]);
    blocks.push({ line: index + 1, text: body.join('\n') });
    index = end;
  }
  return blocks;
}

export type MermaidParse = (text: string) => Promise<unknown>;

/**
 * Loads mermaid's parser. Mermaid sanitises labels with DOMPurify, which needs a DOM `window` when it is first
 * imported; jsdom provides one, so no browser is needed. Both are loaded here only, so importing this module (for
 * `mermaidBlocks`) stays light.
 */
async function loadMermaidParse(): Promise<MermaidParse> {
  const { JSDOM } = await import('jsdom');
  (globalThis as { window?: unknown }).window = new JSDOM('').window;
  const { default: mermaid } = await import('mermaid');
  return (text) => mermaid.parse(text);
}

/**
 * Problems of one file's diagrams, as `FILE:LINE: message` lines.
 *
 * @throws Error when the file holds no mermaid diagram (a check that passes vacuously is no check).
 */
export async function problemsOf(file: string, parse: MermaidParse): Promise<string[]> {
  const blocks = mermaidBlocks(readFileSync(file, 'utf8'));
  if (blocks.length === 0) throw new Error(`${file}: no mermaid diagram`);
  const problems: string[] = [];
  for (const block of blocks) {
    try {
      await parse(block.text);
    } catch (error) {
      // Mermaid's message is the parser's, several lines with a caret; the first line and the expectation suffice.
      const message = String((error as Error).message ?? error)
        .split('\n')
        .filter((part) => part.trim() !== '' && !/^-*\^$/.test(part.trim()));
      problems.push(`${file}:${block.line}: ${message.join(' | ')}`);
    }
  }
  return problems;
}

async function main(files: string[]): Promise<number> {
  if (files.length === 0) {
    console.error('usage: node --no-warnings scripts/check-diagrams.ts FILE.md [FILE.md…]');
    return 2;
  }
  const parse = await loadMermaidParse();
  let problems: string[] = [];
  for (const file of files) {
    try {
      problems = problems.concat(await problemsOf(file, parse));
    } catch (error) {
      console.error(`check-diagrams: ${(error as Error).message}`);
      return 2;
    }
  }
  for (const problem of problems) console.error(problem);
  return problems.length === 0 ? 0 : 1;
}

// Run as a command, not when imported (by the tests, as CommonJS): a test that holds in both module systems.
if (/check-diagrams\.ts$/.test(process.argv[1] ?? '')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`check-diagrams: ${error.message}`);
      process.exit(2);
    },
  );
}
