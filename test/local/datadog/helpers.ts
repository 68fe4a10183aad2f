/**
 * Set-up shared by the local Datadog server's tests.
 */
import { startLocalDatadog, type LocalDatadogOptions, type LocalDatadogServer } from '../../../local/datadog/server';

/**
 * Gives the tests of the enclosing file (or `describe`) a function that starts a local Datadog with `keys` (and the
 * options given), and closes every server a test started once that test ends.
 *
 * @example
 * ```ts
 * const start = serversPerTest({ apiKey: API_KEY, appKey: APP_KEY });
 * it('…', async () => {
 *   const server = await start({ rateLimit: { requests: 1, seconds: 10 } });
 * });
 * ```
 */
export function serversPerTest(keys: {
  apiKey: string;
  appKey: string;
}): (options?: Partial<LocalDatadogOptions>) => Promise<LocalDatadogServer> {
  const running: LocalDatadogServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.close()));
  });
  return async (options = {}) => {
    const server = await startLocalDatadog({ ...keys, ...options });
    running.push(server);
    return server;
  };
}
