/**
 * The metrics the functions emit during a local run, captured instead of printed.
 *
 * Powertools Metrics prints each EMF document with `console.log` on the global `console` when `POWERTOOLS_DEV` is set
 * (Metrics.js `setConsole`), and has no option for the output. So, within a capture (an `AsyncLocalStorage` scope), a
 * `console.log` of one EMF document is parsed into the capture and not printed; every other line goes where it went.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** One metric data point, as the functions emitted it (CloudWatch embedded metric format). */
export interface EmittedMetric {
  namespace: string;
  name: string;
  value: number;
  /** CloudWatch unit: `Count`, `Seconds`… */
  unit: string;
  /** Its dimensions, e.g. `{ service: 'datadog-aws-account-onboarding', ErrorName: 'MemberAccountAccessError' }`. */
  dimensions: Record<string, string>;
}

type EmfDocument = {
  _aws?: {
    CloudWatchMetrics?: { Namespace?: unknown; Dimensions?: unknown; Metrics?: { Name?: unknown; Unit?: unknown }[] }[];
  };
  [key: string]: unknown;
};

/**
 * The metrics of one EMF document (CloudWatch user guide, "Specification: Embedded metric format"): one entry per
 * metric and value, with the values of the dimensions its directive names; `undefined` when `line` is not one.
 */
function parseEmf(line: string): EmittedMetric[] | undefined {
  if (!line.startsWith('{"_aws"')) return undefined;
  let document: EmfDocument;
  try {
    document = JSON.parse(line) as EmfDocument;
  } catch {
    return undefined;
  }
  const directives = document._aws?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return undefined;
  return directives.flatMap((directive) => {
    const names = Array.isArray(directive.Dimensions) ? [...new Set((directive.Dimensions as unknown[]).flat())] : [];
    const dimensions = Object.fromEntries(
      names.filter((name): name is string => typeof name === 'string').map((name) => [name, String(document[name])]),
    );
    return (directive.Metrics ?? []).flatMap((metric) => {
      const name = String(metric.Name);
      const raw = document[name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((value): value is number => typeof value === 'number');
      return values.map((value) => ({
        namespace: String(directive.Namespace),
        name,
        value,
        unit: typeof metric.Unit === 'string' ? metric.Unit : 'None',
        dimensions,
      }));
    });
  });
}

const scope = new AsyncLocalStorage<EmittedMetric[]>();
let installed = false;

/** Routes EMF lines logged within a capture into it, once per process. */
function install(): void {
  if (installed) return;
  installed = true;
  const original = console.log.bind(console);
  // On the global console object itself: Powertools keeps a reference to it, so its `log` is what it calls.
  console.log = (...args: unknown[]) => {
    const captured = scope.getStore();
    const parsed = captured && args.length === 1 && typeof args[0] === 'string' ? parseEmf(args[0]) : undefined;
    if (parsed && captured) captured.push(...parsed);
    else original(...args);
  };
}

/** Runs `fn` with the metrics it (and all it starts, however long it runs) emits appended to `into` instead of printed. */
export function captureMetrics<T>(into: EmittedMetric[], fn: () => Promise<T>): Promise<T> {
  install();
  return scope.run(into, fn);
}
