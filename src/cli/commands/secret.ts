import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { SecretScope } from '../../secret-store/location.js';
import { secretNameProblem } from '../../secret-store/names.js';
import { askSecret, isTerminal, readPiped } from '../../secret-store/read-value.js';
import { listSecrets, removeSecret, setSecret } from '../../secret-store/store.js';
import { readerProblem } from '../../secret-store/windows-acl.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';

interface NameArgs {
  name: string;
  scope: SecretScope;
}

interface SetArgs extends NameArgs {
  reader?: string;
}

const windows = process.platform === 'win32';

// The task's account rarely is the one an integrator sets the secret as (an administrator): a
// value protected for the machine opens for the task, and the store's folder is what limits who
// may read it (windows-acl.ts). `user` binds it to the account that runs `secret set`.
const scopeOption = {
  choices: ['machine', 'user'] as const,
  default: 'machine' as const,
  describe:
    'Windows: protect the value with DPAPI for any account of this machine that may read the store (machine: %ProgramData%\\clearnox-sync, restricted to the administrators, SYSTEM and --reader) or for the account running this command only (user: %APPDATA%\\clearnox-sync). Ignored elsewhere',
};

function checkedName(name: string): string {
  const problem = secretNameProblem(name);
  if (problem) throw new UsageError(problem);
  return name;
}

const setCommand: CommandModule<object, SetArgs> = {
  command: 'set <name>',
  describe: 'Store a secret: typed at a prompt that does not show it, or piped in on standard input',
  builder: (y: Argv) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'Name to refer to it by: ${secret:NAME} in the mapping file' })
      .option('scope', scopeOption)
      .option('reader', { type: 'string', describe: 'Windows, machine scope: the account the scheduled task runs as (DOMAIN\\user), allowed to read the store' })
      .example('$0 secret set clearnox-client-secret', 'asks for the value')
      .example('$0 secret set acme-db-password < password.txt', 'reads it from standard input')
      .example('$0 secret set clearnox-client-secret --reader ACME\\svc-clearnox', 'Windows: for a task running as ACME\\svc-clearnox') as unknown as Argv<SetArgs>,
  handler: async (args: ArgumentsCamelCase<SetArgs>) => {
    const name = checkedName(args.name);
    if (args.reader !== undefined) {
      const problem = readerProblem(args.reader);
      if (problem) throw new UsageError(problem);
    }
    const value = isTerminal() ? await askSecret(`Value of the secret ${name} (not shown)`) : await readPiped();
    if (value === '') throw new UsageError(`Nothing was given on standard input for the secret ${name}; nothing was stored`);
    const readers = args.reader ? [args.reader] : [];
    const file = await setSecret(name, value, { scope: args.scope, readers });
    let how = 'readable by this account only';
    if (windows) {
      how =
        args.scope === 'machine'
          ? `protected with DPAPI for this machine; the folder may be read by the administrators, SYSTEM${readers.length ? ` and ${readers.join(', ')}` : ' only (a task running as another account needs --reader ACCOUNT)'}`
          : 'protected with DPAPI for this Windows account only';
    }
    process.stdout.write(`Stored the secret ${name} in ${file} (${how}).\nA mapping file refers to it as \${secret:${name}}.\n`);
  },
};

const listCommand: CommandModule<object, object> = {
  command: 'list',
  describe: 'List the stored secrets: names and when each was set, never a value',
  handler: async () => {
    const { files, secrets } = await listSecrets();
    if (secrets.length === 0) {
      process.stdout.write(`No secret is stored (looked in ${files.join(' and ')}).\n`);
      return;
    }
    const rows = secrets.map((s) => [s.name, s.setAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'), ...(windows ? [s.scope ?? ''] : []), s.file]);
    const header = ['name', 'set', ...(windows ? ['scope'] : []), 'store'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  },
};

const removeCommand: CommandModule<object, NameArgs> = {
  command: 'remove <name>',
  describe: 'Remove a stored secret',
  builder: (y: Argv) =>
    y.positional('name', { type: 'string', demandOption: true, describe: 'Its name' }).option('scope', { ...scopeOption, describe: 'Windows: which store (machine or user)' }) as unknown as Argv<NameArgs>,
  handler: async (args: ArgumentsCamelCase<NameArgs>) => {
    const name = checkedName(args.name);
    const { removed, file } = await removeSecret(name, args.scope);
    if (!removed) {
      process.stderr.write(`There is no secret ${name} in ${file}; nothing was removed. "clearnox-sync secret list" shows the stored ones.\n`);
      process.exitCode = EXIT.USAGE;
      return;
    }
    process.stdout.write(`Removed the secret ${name} from ${file}.\n`);
  },
};

export const secretCommand: CommandModule<object, object> = {
  command: 'secret',
  describe: 'Keep secrets in the local secret store, for ${secret:NAME} references: set, list, remove',
  builder: (y: Argv) =>
    y
      .command(setCommand)
      .command(listCommand)
      .command(removeCommand)
      .demandCommand(1, 'Give secret set NAME, secret list or secret remove NAME.')
      .epilog(
        'A value is never given on the command line. Off Windows the store is ~/.config/clearnox-sync/secrets.json (or $XDG_CONFIG_HOME/clearnox-sync), readable by its owner only; on Windows the values are protected with DPAPI. CLEARNOX_SYNC_SECRETS=FILE uses another file.',
      ) as unknown as Argv<object>,
  handler: () => undefined,
};
