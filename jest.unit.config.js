/**
 * `npm run test:unit`: the unit specs under src/ alone. No database, no servers, no build step: each spec
 * tests one class or pure function, with its collaborators faked. The whole suite is `npm test`.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.spec.ts'],
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 10000,
};
