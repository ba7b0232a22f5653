import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { runInit, type InitValues } from '../../init/run-init.js';
import type { SecretScope } from '../../secret-store/location.js';
import { isTerminal } from '../../secret-store/read-value.js';
import { readerProblem } from '../../secret-store/windows-acl.js';
import { UsageError } from '../errors.js';

interface InitArgs {
  template?: string;
  out?: string;
  force?: boolean;
  baseUrl?: string;
  clientId?: string;
  dbHost?: string;
  dbPort?: number;
  dbName?: string;
  dbUser?: string;
  documentsRoot?: string;
  clientSecretStdin?: boolean;
  dbPasswordStdin?: boolean;
  scope: SecretScope;
  reader?: string;
}

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init',
  describe: 'Write a commented mapping file for a new customer from an ERP template, its secrets in the secret store',
  builder: (y: Argv) =>
    y
      .option('template', { type: 'string', describe: 'ERP template (a file of mappings/templates/ without .yaml: odoo, dolibarr, sage100, ...); asked in a terminal' })
      .option('out', { type: 'string', describe: 'Mapping file to write (default: TEMPLATE.yaml in this folder); its secrets are named after it' })
      .option('force', { type: 'boolean', describe: 'Replace the file if it exists' })
      .option('base-url', { type: 'string', describe: 'Clearnox API address (default: the template\'s, https://api.clearnox.com)' })
      .option('client-id', { type: 'string', describe: 'Clearnox client id' })
      .option('db-host', { type: 'string', describe: 'Database server' })
      .option('db-port', { type: 'number', describe: 'Database port (default: the template\'s)' })
      .option('db-name', { type: 'string', describe: 'Database name' })
      .option('db-user', { type: 'string', describe: 'Database user (default: the template\'s clearnox_reader)' })
      .option('documents-root', { type: 'string', describe: 'Folder of the PDFs' })
      .option('client-secret-stdin', { type: 'boolean', describe: 'Read the Clearnox client secret from standard input (first line)' })
      .option('db-password-stdin', { type: 'boolean', describe: 'Read the database password from standard input (the line after the client secret, if both)' })
      .option('scope', { choices: ['machine', 'user'] as const, default: 'machine' as const, describe: 'Windows: DPAPI scope of the secrets stored, as for "secret set"' })
      .option('reader', { type: 'string', describe: 'Windows, machine scope: the account the scheduled task runs as, allowed to read the secret store' })
      .example('$0 init', 'in a terminal: asks for the template and the values')
      .example(
        'printf "%s\\n%s\\n" "$CNX_SECRET" "$DB_PW" | $0 init --template odoo --out acme.yaml --client-id acme-connector --db-host odoo01 --db-name acme --documents-root /srv/odoo/filestore/acme --client-secret-stdin --db-password-stdin',
        'from a script',
      )
      .epilog(
        'Secrets are never options: typed at a prompt that does not show them, or piped in with --client-secret-stdin / --db-password-stdin (one per line). They are stored as NAME-clearnox-client-secret and NAME-db-password, NAME being the mapping file\'s, and the file refers to them as ${secret:...}. Without a terminal every value the template needs must be an option (exit 2 names the missing ones). The file is never replaced without --force.',
      ) as unknown as Argv<InitArgs>,
  handler: async (args: ArgumentsCamelCase<InitArgs>) => {
    if (args.reader !== undefined) {
      const problem = readerProblem(args.reader);
      if (problem) throw new UsageError(problem);
    }
    const values: InitValues = {};
    const given: [keyof InitValues, string | number | undefined][] = [
      ['baseUrl', args.baseUrl],
      ['clientId', args.clientId],
      ['dbHost', args.dbHost],
      ['dbPort', args.dbPort],
      ['dbName', args.dbName],
      ['dbUser', args.dbUser],
      ['documentsRoot', args.documentsRoot],
    ];
    for (const [k, v] of given) if (v !== undefined) values[k] = String(v);
    const piped = Boolean(args.clientSecretStdin || args.dbPasswordStdin);
    if (piped && isTerminal()) {
      throw new UsageError(`${args.clientSecretStdin ? '--client-secret-stdin' : '--db-password-stdin'} reads the secret from a pipe, and standard input is a terminal here: leave it out and init asks for it without showing it`);
    }
    await runInit(
      {
        template: args.template,
        out: args.out,
        force: args.force,
        values,
        clientSecretStdin: args.clientSecretStdin,
        dbPasswordStdin: args.dbPasswordStdin,
        scope: args.scope,
        readers: args.reader ? [args.reader] : [],
      },
      { interactive: isTerminal(), print: (line) => process.stdout.write(`${line}\n`) },
    );
  },
};
