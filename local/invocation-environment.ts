/**
 * Each local function invocation sees its own `process.env`, as each Lambda function has its own process.
 *
 * Swapping the global `process.env` in and out around an invocation is not enough: an invocation the local Step
 * Functions gave up on (a Task time-out) keeps running while the retry starts, and whichever swap happens last wins,
 * so one invocation reads the other's variables (or none). Here `process.env` becomes a view that reads and writes
 * the environment of the invocation the current asynchronous context belongs to (`AsyncLocalStorage`), and the
 * process's own environment outside any invocation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scoped = new AsyncLocalStorage<NodeJS.ProcessEnv>();
let installed = false;

/** Replaces `process.env` by the view, once per process. */
function installView(): void {
  if (installed) return;
  installed = true;
  const own = process.env;
  const current = () => scoped.getStore() ?? own;
  // The proxy's own target stays empty and extensible, so every answer below satisfies the Proxy invariants.
  process.env = new Proxy(
    {},
    {
      get: (_, key) => Reflect.get(current(), key) as string | undefined,
      set: (_, key, value) => Reflect.set(current(), key, String(value)),
      has: (_, key) => Reflect.has(current(), key),
      deleteProperty: (_, key) => Reflect.deleteProperty(current(), key),
      ownKeys: () => Reflect.ownKeys(current()),
      getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(current(), key),
      defineProperty: (_, key, descriptor) => Reflect.defineProperty(current(), key, descriptor),
    },
  );
}

/**
 * Runs `fn` with `process.env` reading `environment` (a copy) for `fn` and everything it starts, however long it runs,
 * and for nothing else: concurrent or later code keeps its own environment.
 *
 * @param environment - the whole environment of the invocation (merge the process's own into it when wanted).
 * @returns what `fn` returns.
 */
export function withEnvironment<T>(environment: Record<string, string | undefined>, fn: () => T): T {
  installView();
  const copy: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(environment)) if (value !== undefined) copy[key] = value;
  return scoped.run(copy, fn);
}
