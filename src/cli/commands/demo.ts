import path from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { runDemo } from '../../demo/run-demo.js';
import { EXIT } from '../exit-codes.js';

interface DemoArgs {
  dir: string;
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: 'Build a sample ERP database and PDFs, start the sandbox, and run the sync twice',
  builder: (y: Argv) =>
    y.option('dir', { type: 'string', default: '.demo', describe: 'Folder for the demo database, PDFs, mapping file and reports' }) as unknown as Argv<DemoArgs>,
  handler: async (args: ArgumentsCamelCase<DemoArgs>) => {
    const ok = await runDemo(path.resolve(args.dir), (line) => process.stdout.write(line + '\n'));
    process.exitCode = ok ? EXIT.OK : EXIT.INTERNAL;
  },
};
