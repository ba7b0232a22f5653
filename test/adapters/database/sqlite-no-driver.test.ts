// A Node.js with neither SQLite driver (Node 20 whose better-sqlite3 was built for another Node,
// or not installed): opening a database says what to install, instead of a loader's stack.
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.doUnmock('better-sqlite3');
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('SQLite without a driver', () => {
  it('names the Node.js versions that have node:sqlite and how to reinstall better-sqlite3', async () => {
    const builtin = process.getBuiltinModule.bind(process);
    vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => (id === 'node:sqlite' ? undefined : builtin(id))) as typeof process.getBuiltinModule);
    // As better-sqlite3 fails when its native part loads, with its first database.
    vi.doMock('better-sqlite3', () => ({
      default: class {
        constructor() {
          throw new Error('The module better_sqlite3.node was compiled against a different Node.js version\n(a long stack)');
        }
      },
    }));
    vi.resetModules();
    const { openSqlite, availableSqliteDrivers } = await import('../../../adapters/database/sqlite-driver.js');
    expect(await availableSqliteDrivers()).toEqual([]);
    const e = (await openSqlite('erp.sqlite', { readOnly: true }).catch((err: unknown) => err)) as Error;
    expect(e.message).toBe(
      `SQLite cannot be opened: this Node.js (${process.version}) has no node:sqlite (it comes with Node.js 22.13 and later), and the better-sqlite3 package does not load (The module better_sqlite3.node was compiled against a different Node.js version). Run clearnox-sync with Node.js 22.13 or later, or reinstall it with npm ci under this Node.js.`,
    );
  });
});
