/**
 * The cold-start bench section: what a cold start costs each function, the time to load its bundle and the memory
 * it then holds. Run `npm run bundle` first. Targets (Datadog functions under 1 s and 150 MB, the others under 0.5 s
 * and 100 MB on this machine) are reported, not asserted, since machines differ.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, loadTemplate, templateFunctions } from '../../local/template';
import { median } from './onboarding-cost';
import type { BenchSection } from './section';

const RUNS = 5;
const PROBE = `const start = process.hrtime.bigint(); require(process.argv[1]);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
console.log(JSON.stringify({ ms, rssMb: process.memoryUsage().rss / 1048576 }));`;

/** The section: each bundle loaded in a fresh Node `RUNS` times, medians printed. */
export const coldStartSection: BenchSection = {
  description: "cold start: each function's bundle loaded in a fresh Node (load ms, rss MB); needs npm run bundle",
  run(print) {
    for (const fn of templateFunctions(loadTemplate())) {
      const bundle = path.join(REPO_ROOT, 'dist', fn.logicalId, 'index.js');
      if (!existsSync(bundle)) throw new Error(`${bundle} is missing; run npm run bundle first`);
      const samples = Array.from(
        { length: RUNS },
        () =>
          JSON.parse(execFileSync(process.execPath, ['--no-deprecation', '-e', PROBE, bundle], { encoding: 'utf8' })) as {
            ms: number;
            rssMb: number;
          },
      );
      const ms = median(samples.map((sample) => sample.ms));
      const rss = median(samples.map((sample) => sample.rssMb));
      print(`${fn.logicalId.padEnd(32)} load ${ms.toFixed(0).padStart(5)} ms   rss ${rss.toFixed(0).padStart(4)} MB`);
    }
  },
};
