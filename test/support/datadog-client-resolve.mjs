/**
 * Preloaded (`node --import`) by the child processes the tests spawn (test/helpers.ts `runScript`): resolves the Datadog
 * client's `@datadog/datadog-api-client/dist/…` modules to the one bundle of them jest's global set-up builds
 * (test/support/datadog-client-bundle.ts), as jest.config's moduleNameMapper does in the tests' own process. The
 * client's code is the package's own, unchanged; loading it from one file saves each spawned `tsx` about 3 s of CPU
 * (its ~6,200 model files). A path the bundle has no module for fails loudly, as in jest.
 */
import Module from 'node:module';
import path from 'node:path';
import process from 'node:process';

const dir = process.env.DATADOG_CLIENT_BUNDLE_DIR;
if (!dir) throw new Error('datadog-client-resolve: DATADOG_CLIENT_BUNDLE_DIR is not set');
const CLIENT_MODULE = /^@datadog\/datadog-api-client\/dist\/(.+?)(\.js)?$/;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const match = CLIENT_MODULE.exec(request);
  return resolve.call(this, match ? path.join(dir, 'dist', `${match[1]}.js`) : request, ...rest);
};
