import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/services/sshd.ts', 'test/services/samba.ts', 'test/services/postgres.ts', 'test/services/mariadb.ts', 'test/services/wine.ts', 'test/services/release.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: integration tests start servers and write archives; keep files from fighting over them.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
