// The integration tier: the test files that need what the global set-ups of vitest.config.ts make
// (PostgreSQL, MariaDB, sshd, Samba, Wine, reached through vitest's inject(), or the test account
// they create, which only root can switch to). Every other test file is a unit test:
// `npm run test:unit` runs those with no server and no root, on any machine; `npm test` runs both.
// test/test-tiers.test.ts fails when a file here needs none of that, or a file missing here does.
export const INTEGRATION_TESTS: readonly string[] = [
  'test/adapters/database/blob-store.test.ts',
  'test/adapters/database/companies.run.test.ts',
  'test/adapters/database/mariadb.conformance.test.ts',
  'test/adapters/database/postgres.conformance.test.ts',
  'test/adapters/database/server-databases.test.ts',
  'test/adapters/database/server-specific.test.ts',
  'test/adapters/database/templates.test.ts',
  'test/adapters/documents/local.test.ts',
  'test/adapters/documents/run-over-stores.test.ts',
  'test/adapters/documents/sftp.conformance.test.ts',
  'test/adapters/documents/sftp.test.ts',
  'test/adapters/documents/smb.conformance.test.ts',
  'test/adapters/documents/smb.test.ts',
  'test/check/check-servers.test.ts',
  'test/cli/exit-codes.test.ts',
  'test/cli/query-syntax-errors.test.ts',
  'test/cli/stop.test.ts',
  'test/package/linux-executable.test.ts',
  'test/package/release.test.ts',
  'test/package/windows-executable.test.ts',
  'test/pipeline/folder-index.test.ts',
  'test/pipeline/run-untrusted-store.test.ts',
  'test/windows/win32-under-wine.test.ts',
];
