import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { SANDBOX_BANNER, loadSandboxEntries, startSandbox } from '../../sandbox/server.js';

interface SandboxArgs {
  port: number;
  host: string;
  entries?: string;
  clientId: string;
  clientSecret: string;
}

export const sandboxCommand: CommandModule<object, SandboxArgs> = {
  command: 'sandbox',
  describe: 'Start a local Clearnox API sandbox to try a mapping file safely',
  builder: (y: Argv) =>
    y
      .option('port', { type: 'number', default: 8080, describe: 'Port to listen on (0: any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to bind; keep 127.0.0.1 unless you know why' })
      .option('entries', { type: 'string', describe: 'JSON file of the entries without a document ([...] or {"entries": [...]})' })
      .option('client-id', { type: 'string', default: 'sandbox-client', describe: 'Client id the sandbox accepts' })
      .option('client-secret', { type: 'string', default: 'sandbox-secret', describe: 'Client secret the sandbox accepts' })
      .example('$0 sandbox --port 8080 --entries entries.json', 'then set clearnox.baseUrl: http://127.0.0.1:8080') as unknown as Argv<SandboxArgs>,
  handler: async (args: ArgumentsCamelCase<SandboxArgs>) => {
    const entries = args.entries ? await loadSandboxEntries(args.entries) : [];
    const sandbox = await startSandbox({
      port: args.port,
      host: args.host,
      entries,
      clientId: args.clientId,
      clientSecret: args.clientSecret,
    });
    process.stdout.write(
      `${SANDBOX_BANNER}\n` +
        `Listening on ${sandbox.url} with ${entries.length} entries without a document.\n` +
        `Client id: ${args.clientId}. State: ${sandbox.url}/__sandbox/state. Stop with Ctrl+C.\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => void sandbox.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
