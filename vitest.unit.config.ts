// The unit tier (`npm run test:unit`): every test file but the integration tier's, with no global
// set-up but the one compiling dist/, so it runs without servers, root or apt.
import { configDefaults, defineConfig } from 'vitest/config';
import { INTEGRATION_TESTS } from './test/integration-tests.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...INTEGRATION_TESTS],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
