/**
 * The README's `sam local invoke` commands name functions of the template and samples that exist, and each step's
 * sample is the one of the function invoked.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTemplate, templateFunctions } from '../../local/template';
import { ROOT } from '../helpers';

interface InvokeCommand {
  line: string;
  functionId: string;
  event?: string;
  envVars?: string;
}

/** The `sam local invoke` commands of a Markdown text, with their function, `-e` and `--env-vars` arguments. */
function invokeCommands(markdown: string): InvokeCommand[] {
  return markdown
    .split('\n')
    .filter((line) => /^sam local invoke /.test(line.trim()))
    .map((line) => {
      const words = line.trim().split(/\s+/).slice(3);
      const option = (...names: string[]) => {
        const at = words.findIndex((word) => names.includes(word));
        return at >= 0 ? words[at + 1] : undefined;
      };
      return { line: line.trim(), functionId: words[0], event: option('-e', '--event'), envVars: option('-n', '--env-vars') };
    });
}

const functions = templateFunctions(loadTemplate());
const commands = invokeCommands(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

describe('README: sam local invoke', () => {
  it('shows commands, each with an event and the env-vars file', () => {
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect(command).toEqual(expect.objectContaining({ event: expect.any(String), envVars: 'events/sam-local-env.json' }));
    }
  });

  it.each(commands.map((command) => [command.line, command]))('%s: names a function of the template and files that exist', (_, command) => {
    const fn = functions.find((candidate) => candidate.logicalId === command.functionId);
    expect(fn).toBeDefined();
    for (const file of [command.event, command.envVars]) {
      expect(existsSync(path.join(ROOT, String(file)))).toBe(true);
      expect((): unknown => JSON.parse(readFileSync(path.join(ROOT, String(file)), 'utf8'))).not.toThrow();
    }
    // A step's sample is named after the function's folder: functions/<name>/index.ts takes events/functions/<name>.json.
    if (command.event?.startsWith('events/functions/')) {
      expect(path.basename(command.event, '.json')).toBe(path.basename(path.dirname(String(fn?.entryPoint))));
    }
  });
});
