/**
 * Preloaded (`node --import`) by the child processes the tests spawn (test/helpers.ts `runScript`): resolves modules as
 * jest.config's moduleNameMapper does in the tests' own process. The code run is the packages' own, unchanged.
 * - The Datadog client's `@datadog/datadog-api-client/dist/…` modules, to the one bundle of them jest's global set-up
 *   builds (test/support/datadog-client-bundle.ts): loading it from one file saves each spawned `tsx` about 3 s of CPU
 *   (its ~6,200 model files). A path the bundle has no module for fails loudly, as in jest.
 * - `asl-validator`, to the validator whose verdicts are kept on disk (test/support/asl-validator-cache.ts): about 1 s
 *   of CPU less per spawned run (the validator compiles its schemas on every `new StateMachine`).
 */
import Module from 'node:module';
import path from 'node:path';
import process from 'node:process';

const dir = process.env.DATADOG_CLIENT_BUNDLE_DIR;
if (!dir) throw new Error('child-module-resolve: DATADOG_CLIENT_BUNDLE_DIR is not set');
const CLIENT_MODULE = /^@datadog\/datadog-api-client\/dist\/(.+?)(\.js)?$/;
const ASL_VALIDATOR = path.join(import.meta.dirname, 'asl-validator-cache.ts');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'asl-validator') return ASL_VALIDATOR;
  const match = CLIENT_MODULE.exec(request);
  return resolve.call(this, match ? path.join(dir, 'dist', `${match[1]}.js`) : request, ...rest);
};
