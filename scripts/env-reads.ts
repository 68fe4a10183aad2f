/**
 * Which environment variables a function's own code reads, found in what `sam build` would ship: the function is
 * bundled with esbuild (tree-shaken, so only code the handler can reach counts; packages left as imports, as only
 * this repository's code is searched), and the parts of the bundle that come from this repository are parsed with
 * the TypeScript compiler and searched for `process.env.NAME`, `process.env['NAME']`, `const { NAME } = process.env`,
 * and `readEnv(spec)` of `shared/config.ts` with its spec built from `pickEnv('NAME', …)` and object literals.
 *
 * A read whose name cannot be known without running the code (`process.env[name]`, the whole environment passed on)
 * is reported as unresolved, so a new kind of read cannot slip past the check.
 */
import { build } from 'esbuild';
import path from 'node:path';
import ts from 'typescript';

/** What a bundle's own code reads. */
export interface EnvironmentReads {
  /** Variable names, sorted. */
  variables: string[];
  /** Reads whose variable name is not a literal, as `file: code`. */
  unresolved: string[];
}

/** The bundle's parts that come from this repository, by input path (esbuild marks each part with `// <path>`). */
function ownParts(bundle: string, inputs: string[]): { file: string; code: string }[] {
  const own = new Set(inputs.filter((input) => !input.split('/').includes('node_modules')));
  const known = new Set(inputs);
  const parts: { file: string; code: string }[] = [];
  let current: { file: string; lines: string[] } | undefined;
  for (const line of bundle.split('\n')) {
    const marker = /^\s*\/\/ (\S+)$/.exec(line);
    if (marker && known.has(marker[1])) {
      if (current && own.has(current.file)) parts.push({ file: current.file, code: current.lines.join('\n') });
      current = { file: marker[1], lines: [] };
    } else {
      current?.lines.push(line);
    }
  }
  if (current && own.has(current.file)) parts.push({ file: current.file, code: current.lines.join('\n') });
  return parts;
}

function isProcessEnv(node: ts.Node): boolean {
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === 'env' &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'process'
  );
}

/** esbuild renames a top-level function on a name clash by appending digits. */
function isCallTo(node: ts.CallExpression, name: string): boolean {
  return ts.isIdentifier(node.expression) && new RegExp(`^${name}\\d*$`).test(node.expression.text);
}

/** Searches one part of the bundle. */
function readsOf(file: string, code: string, found: Set<string>, unresolved: string[]): void {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const declarations = new Map<string, ts.Expression>();
  const collectDeclarations = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer)
      declarations.set(node.name.text, node.initializer);
    ts.forEachChild(node, collectDeclarations);
  };
  collectDeclarations(source);
  const unknown = (node: ts.Node) => unresolved.push(`${file}: ${node.getText(source).replace(/\s+/g, ' ').slice(0, 120)}`);

  // The names a readEnv spec declares: object literal keys, pickEnv arguments, spreads and constants of those.
  const specNames = (spec: ts.Expression, seen: Set<string> = new Set()): void => {
    if (ts.isParenthesizedExpression(spec)) return specNames(spec.expression, seen);
    if (ts.isIdentifier(spec) && declarations.has(spec.text) && !seen.has(spec.text)) {
      return specNames(declarations.get(spec.text)!, new Set([...seen, spec.text]));
    }
    if (ts.isCallExpression(spec) && isCallTo(spec, 'pickEnv')) return; // its arguments are collected where it is called
    if (ts.isObjectLiteralExpression(spec)) {
      for (const property of spec.properties) {
        if (ts.isSpreadAssignment(property)) specNames(property.expression, seen);
        else if (property.name && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) found.add(property.name.text);
        else unknown(property);
      }
      return;
    }
    unknown(spec);
  };

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && isCallTo(node, 'pickEnv')) {
      for (const argument of node.arguments) {
        if (ts.isStringLiteral(argument)) found.add(argument.text);
        else unknown(argument);
      }
    } else if (ts.isCallExpression(node) && isCallTo(node, 'readEnv')) {
      if (node.arguments.length !== 1) unknown(node);
      else specNames(node.arguments[0]);
    } else if (isProcessEnv(node)) {
      const parent = node.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
        found.add(parent.name.text);
      } else if (ts.isElementAccessExpression(parent) && parent.expression === node) {
        if (ts.isStringLiteral(parent.argumentExpression)) found.add(parent.argumentExpression.text);
        else unknown(parent);
      } else if (ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name)) {
        for (const element of parent.name.elements) {
          const name = element.propertyName ?? element.name;
          if (!element.dotDotDotToken && (ts.isIdentifier(name) || ts.isStringLiteral(name))) found.add(name.text);
          else unknown(element);
        }
      } else if (!(ts.isParameter(parent) && parent.initializer === node)) {
        // A default parameter (readEnv's `env = process.env`) is read at its call sites, which are searched above.
        unknown(parent);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

/**
 * The environment variables the code bundled from each entry point reads, from one esbuild run (which parses the
 * modules the functions share once; each output is still tree-shaken for its own entry point, as `sam build` does).
 *
 * @param entryPoints - paths of the functions' entry points, relative to `root` (template.yaml's `EntryPoints`).
 * @param root - the repository root.
 * @returns the reads of each entry point, by the path given.
 * @throws esbuild's error when an entry point does not build.
 */
export async function environmentReadsOf(entryPoints: string[], root: string): Promise<Map<string, EnvironmentReads>> {
  // Written nowhere (write: false); outdir only names the outputs, one per entry point.
  const outdir = path.join(root, 'env-reads.out');
  const result = await build({
    entryPoints: Object.fromEntries(entryPoints.map((entryPoint, index) => [`entry-${index}`, path.join(root, entryPoint)])),
    absWorkingDir: root,
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // Packages stay imports: only this repository's code is searched, and what tree shaking keeps of it is the same
    // (a package never calls back into it), at a fraction of the cost (the Datadog client alone is megabytes).
    packages: 'external',
    // Unminified, so each module keeps its `// path` marker and its names; tree shaking is the same as sam build's.
    minify: false,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const texts = new Map(result.outputFiles.map((file) => [file.path, file.text]));
  const reads = new Map<string, EnvironmentReads>();
  entryPoints.forEach((entryPoint, index) => {
    const output = path
      .relative(root, path.join(outdir, `entry-${index}.js`))
      .split(path.sep)
      .join('/');
    const found = new Set<string>();
    const unresolved: string[] = [];
    const parts = ownParts(texts.get(path.join(outdir, `entry-${index}.js`)) ?? '', Object.keys(result.metafile.outputs[output].inputs));
    for (const part of parts) readsOf(part.file, part.code, found, unresolved);
    reads.set(entryPoint, { variables: [...found].sort(), unresolved });
  });
  return reads;
}

/**
 * The environment variables the code bundled from `entryPoint` reads.
 *
 * @param entryPoint - path of the function's entry point, relative to `root` (template.yaml's `EntryPoints`).
 * @param root - the repository root.
 * @throws esbuild's error when the entry point does not build.
 */
export async function environmentReads(entryPoint: string, root: string): Promise<EnvironmentReads> {
  return (await environmentReadsOf([entryPoint], root)).get(entryPoint)!;
}
