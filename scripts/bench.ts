/**
 * `npm run bench`: runs every bench section, or those named (`npm run bench -- validation`).
 *
 * A section is one entry of {@link SECTIONS}: add one there to add it to the bench.
 *
 * Usage: `npm run bench [-- SECTION... [--OPTION...]]` (options, from the first `--`, go to the one section named).
 */
import { coldStartSection } from './bench/cold-start';
import { reconciliationSection } from './bench/reconciliation';
import type { BenchSection } from './bench/section';
import { validationSection } from './bench/validation';

/** The sections, in the order a full run prints them. */
const SECTIONS: Record<string, BenchSection> = {
  'cold-start': coldStartSection,
  validation: validationSection,
  reconciliation: reconciliationSection,
};

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    for (const [name, section] of Object.entries(SECTIONS)) console.log(`${name.padEnd(12)} ${section.description}`);
    return 0;
  }
  const firstOption = argv.findIndex((arg) => arg.startsWith('--'));
  const names = firstOption === -1 ? argv : argv.slice(0, firstOption);
  const options = firstOption === -1 ? [] : argv.slice(firstOption);
  if (options.length > 0 && names.length !== 1) {
    console.error(`bench: options (${options[0]}) need exactly one section named before them`);
    return 2;
  }
  const unknown = names.find((name) => !(name in SECTIONS));
  if (unknown !== undefined) {
    console.error(`bench: no section ${JSON.stringify(unknown)}; sections: ${Object.keys(SECTIONS).join(', ')}`);
    return 2;
  }
  for (const name of names.length > 0 ? names : Object.keys(SECTIONS)) {
    console.log(`== ${name}`);
    try {
      await SECTIONS[name].run((line) => console.log(line), options);
    } catch (error) {
      console.error(`bench: ${name}: ${(error as Error).message}`);
      return 1;
    }
  }
  return 0;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
