import { describe, expect, it } from 'vitest';
import { mysqlWriteGrants } from '../../adapters/database/write-access.js';

describe('mysqlWriteGrants', () => {
  it('keeps the privileges that change data or the schema, with what they are on', () => {
    expect(
      mysqlWriteGrants([
        'GRANT USAGE ON *.* TO `reader`@`%` IDENTIFIED BY PASSWORD \'*ABC\'',
        'GRANT SELECT ON `erp`.* TO `reader`@`%`',
        'GRANT SELECT, INSERT, UPDATE ON `erp`.`invoices` TO `reader`@`%`',
        'GRANT SELECT (number, pdf), UPDATE (pdf) ON `erp`.`files` TO `reader`@`%`',
        'GRANT EXECUTE ON PROCEDURE `erp`.`post_invoice` TO `reader`@`%`',
        'GRANT `accounting_role` TO `reader`@`%`',
      ]),
    ).toEqual(['INSERT, UPDATE on `erp`.`invoices`', 'UPDATE (pdf) on `erp`.`files`', 'EXECUTE on `erp`.`post_invoice`']);
  });

  it('sees ALL PRIVILEGES', () => {
    expect(mysqlWriteGrants(['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION'])).toEqual(['ALL PRIVILEGES on *.*']);
  });

  it('finds nothing for a reader', () => {
    expect(mysqlWriteGrants(['GRANT USAGE ON *.* TO `r`@`%`', 'GRANT SELECT ON `erp`.* TO `r`@`%`'])).toEqual([]);
  });
});
