/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // aws-local-stepfunctions ships ESM next to CJS; jest uses the CJS build.
  transformIgnorePatterns: ['/node_modules/'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  testTimeout: 60000,
  collectCoverageFrom: ['functions/**/*.ts', 'shared/**/*.ts'],
};
