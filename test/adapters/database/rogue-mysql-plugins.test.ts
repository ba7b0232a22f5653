// A server asking to sign in through an authentication plugin mysql2 has none for (MariaDB's PAM
// dialog, GSSAPI, ed25519, anything unknown) gets no password, and the message tells what to ask
// the database administrator for, instead of mysql2's words (exit code 1, as for a bug).
import { describe, expect, it } from 'vitest';
import { mysqlAdapter } from '../../../adapters/database/mysql.js';
import { AdapterConfigError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { rogueMysql, type MysqlAsk } from '../../helpers/rogue-mysql.js';

const PASSWORD = 'pw-Secr3t-4-plugins';
const ctx = { baseDir: process.cwd(), log: silentLogger };

describe.each(['dialog', 'auth_gssapi_client', 'client_ed25519', 'toString', 'no_such_plugin'])('a MySQL/MariaDB server asking for the plugin %s', (plugin) => {
  it('gets no password, and the message says what to change on the server', async () => {
    const rogue = await rogueMysql({ ask: plugin as MysqlAsk });
    try {
      const options = mysqlAdapter.optionsSchema.parse({ host: '127.0.0.1', port: rogue.port, database: 'erp', user: 'clearnox_reader', password: PASSWORD, connectTimeoutSeconds: 5 });
      const e = await mysqlAdapter.open(options, { sql: 'SELECT 1 AS n WHERE 1 IN (:documentNumbers)' }, ctx).then(() => null, (x: Error) => x);
      expect(e).toBeInstanceOf(AdapterConfigError);
      expect(e!.message).toMatch(
        new RegExp(
          `^the MySQL/MariaDB server at 127\\.0\\.0\\.1:\\d+ asks user "clearnox_reader" to sign in through the authentication plugin ${plugin}, which clearnox-sync does not have: nothing was sent\\. ` +
            'Ask the database administrator to have this user sign in with a password checked by mysql_native_password or caching_sha2_password',
        ),
      );
      expect(rogue.passwords).toEqual([]);
      expect(rogue.received().toString('latin1')).not.toContain(PASSWORD);
    } finally {
      await rogue.close();
    }
  });
});
