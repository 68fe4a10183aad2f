/**
 * `npm run bench`: runs every bench section, or those named (`npm run bench -- validation`).
 *
 * A section is one entry of {@link SECTIONS}: add one there to add it to the bench.
 *
 * Usage: `npm run bench [-- SECTION...]`
 */
import { coldStartSection } from './bench/cold-start';
import type { BenchSection } from './bench/section';
import { validationSection } from './bench/validation';

/** The sections, in the order a full run prints them. */
const SECTIONS: Record<string, BenchSection> = {
  'cold-start': coldStartSection,
  validation: validationSection,
};

async function main(names: string[]): Promise<number> {
  if (names.includes('--help')) {
    for (const [name, section] of Object.entries(SECTIONS)) console.log(`${name.padEnd(12)} ${section.description}`);
    return 0;
  }
  const unknown = names.find((name) => !(name in SECTIONS));
  if (unknown !== undefined) {
    console.error(`bench: no section ${JSON.stringify(unknown)}; sections: ${Object.keys(SECTIONS).join(', ')}`);
    return 2;
  }
  for (const name of names.length > 0 ? names : Object.keys(SECTIONS)) {
    console.log(`== ${name}`);
    try {
      await SECTIONS[name].run((line) => console.log(line));
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
