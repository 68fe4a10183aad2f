/**
 * `npm start` with unreadable files, invalid JSON and hostile input: exit 2 and exactly one line on stderr, nothing
 * on stdout, no stack trace.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, runCliHere, type CliRun } from '../helpers';
import { echoedPayloads } from './hostile-values';

/** Runs `npm start`'s command in this process, without Datadog keys: what is checked here is what `main` writes. */
function start(...args: string[]): Promise<CliRun> {
  return runCliHere(args, { env: {} });
}

/** Runs `npm start` on each file, one run at a time, as a process runs one. */
async function inTurn(files: string[]): Promise<CliRun[]> {
  const runs: CliRun[] = [];
  for (const file of files) runs.push(await start(file));
  return runs;
}

/** Runs the CLI as `npm start` does (tsx), for what only the process shows: the exit code, and all it writes. */
function spawnStart(...args: string[]): Promise<CliRun> {
  return runCli(args, { DD_API_KEY: '', DD_APP_KEY: '' }, 60_000);
}

/** One line: `npm start: …` and a newline, no other line terminator (ECMAScript's: \n, \r, U+2028, U+2029). */
const ONE_LINE = /^npm start: [^\n\r\u2028\u2029]+\n$/;
/** Control characters other than the final newline (e.g. ESC, which drives the terminal). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** What is wrong with a run that should have rejected its file: exit 2, nothing on stdout, one clean short line. */
function rejectionProblems(label: string, { code, stdout, stderr }: CliRun): string[] {
  const found: string[] = [];
  if (code !== 2) found.push(`${label}: exit ${code}`);
  if (stdout !== '') found.push(`${label}: wrote to stdout`);
  if (!ONE_LINE.test(stderr)) found.push(`${label}: stderr is not one line: ${JSON.stringify(stderr.slice(0, 200))}`);
  if (CONTROL.test(stderr)) found.push(`${label}: control characters on stderr`);
  if (/\n\s+at /.test(stderr)) found.push(`${label}: stack trace`);
  if (stderr.length > 600) found.push(`${label}: ${stderr.length} characters`);
  return found;
}

describe('Hostile input: npm start', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hostile-cli-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects unreadable files and invalid JSON with exit 2 and one line', async () => {
    // Prepare
    const file = (name: string, content: string | Buffer) => {
      const target = path.join(dir, name);
      writeFileSync(target, content);
      return target;
    };
    const directory = path.join(dir, 'a-directory.json');
    mkdirSync(directory);
    const cases: [string, string][] = [
      ['a directory', directory],
      ['a missing file whose unicode, injection-like name holds a newline', path.join(dir, "missing 🚀 '; DROP TABLE\nforged-entry.json")],
      ['an empty file', file('empty.json', '')],
      ['truncated JSON', file('truncated.json', '{"accountId": ')],
      ['binary garbage', file('garbage.bin', Buffer.from([0x00, 0x0d, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0xe2, 0x80, 0xa8, 0x0a, 0x41]))],
      ['carriage returns before a bad token', file('cr.json', '\r\r\rforged-entry')],
      ['a line separator before a bad token', file('ls.json', ' \u2028forged-entry')],
      ['a 100 kB unterminated string', file('huge.json', `{"accountId": "${'9'.repeat(100_000)}`)],
      ['invalid JSON under a name holding a newline', file('bad\nforged-entry.json', '{"accountId": ')],
    ];

    // Act
    const runs = await inTurn(cases.map(([, target]) => target));

    // Assess
    expect(cases.flatMap(([label], index) => rejectionProblems(label, runs[index]))).toEqual([]);
  });

  // Spawned: the exit code as the shell sees it, and nothing else the process writes (no runtime warning or trace). One
  // process: every rejected file takes the same path out of it (main's one line, then its exit code), and the test above
  // checks each file's line; the name with a newline is the one whose line is the hardest to keep to one.
  it('rejects a missing file whose name holds a newline, as a process: exit 2 and one line', async () => {
    // Prepare
    const missing = path.join(dir, "missing 🚀 '; DROP TABLE\nforged-entry.json");

    // Act
    const run = await spawnStart(missing);

    // Assess
    expect(rejectionProblems('a missing file whose name holds a newline', run)).toEqual([]);
  });

  it('rejects hostile console input in valid JSON with exit 2 and one line that echoes no value', async () => {
    // Prepare
    const cases: [string, unknown][] = [
      ['a field name with a newline', { accountId: '444455556666', "x'; DROP TABLE accounts;--\nforged-entry": 1 }],
      ['an account id of 13 digits', { accountId: '4444555566667' }],
      ['a 100 kB role name', { accountId: '444455556666', roleName: `overflow-${'overflow-'.repeat(11_400)}` }],
      ['null', null],
    ];
    const files = cases.map(([, input], index) => {
      const target = path.join(dir, `console-${index}.json`);
      writeFileSync(target, JSON.stringify(input));
      return target;
    });

    // Act
    const runs = await inTurn(files);

    // Assess
    const problems = cases.flatMap(([label], index) => {
      const { code, stderr } = runs[index];
      const found: string[] = [];
      if (code !== 2) found.push(`${label}: exit ${code}`);
      if (!ONE_LINE.test(stderr)) found.push(`${label}: stderr is not one line: ${JSON.stringify(stderr.slice(0, 200))}`);
      if (echoedPayloads(stderr).length > 0) found.push(`${label}: stderr echoes ${echoedPayloads(stderr).join(', ')}`);
      if (stderr.length > 600) found.push(`${label}: ${stderr.length} characters`);
      return found;
    });
    expect(problems).toEqual([]);
  });
});
