import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { isLoopbackHost } from '../../loopback.js';
import { SANDBOX_BANNER, loadSandboxEntries, startSandbox, type SandboxHandle } from '../../sandbox/server.js';
import { UsageError } from '../errors.js';

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
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on; any other than this machine (127.0.0.1, ::1) opens the sandbox\'s state and control routes to the network' })
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
    }).catch((e: unknown) => {
      throw listenProblem(e, args.host, args.port) ?? e;
    });
    const text = sandboxBanner(sandbox, entries.length, args.clientId);
    if (text.warning) process.stderr.write(`${text.warning}\n`);
    process.stdout.write(text.banner);
    await new Promise<void>((resolve) => {
      const stop = () => void sandbox.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};

/** Why the sandbox could not listen, said with the option to change; null for anything else. */
export function listenProblem(e: unknown, host: string, port: number): UsageError | null {
  const at = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch ((e as NodeJS.ErrnoException | null)?.code) {
    case 'EADDRINUSE':
      return new UsageError(`--port ${port}: another program already listens on ${at} (an earlier sandbox still running?); choose another port with --port, or --port 0 for any free one.`);
    case 'EACCES':
      return new UsageError(`--port ${port}: this account may not listen on ${at} (below 1024 on Linux a port needs root; on Windows the system may have reserved it); choose another port with --port, such as 8080, or --port 0 for any free one.`);
    case 'EADDRNOTAVAIL':
      return new UsageError(`--host ${host}: this machine has no such address; give one of its own, or leave --host out for 127.0.0.1.`);
    default:
      return null;
  }
}

/** What the command prints once listening: where it really is, and a warning off the loopback. */
export function sandboxBanner(sandbox: Pick<SandboxHandle, 'boundTo' | 'port' | 'url'>, entries: number, clientId: string): { banner: string; warning?: string } {
  const bound = `${sandbox.boundTo.includes(':') ? `[${sandbox.boundTo}]` : sandbox.boundTo}:${sandbox.port}`;
  const everywhere = sandbox.boundTo === '0.0.0.0' || sandbox.boundTo === '::';
  const local = isLoopbackHost(sandbox.boundTo);
  // clearnox-sync refuses plain http:// off this machine, so only a loopback URL is worth giving.
  const use =
    local || everywhere
      ? `On this machine set clearnox.baseUrl: ${sandbox.url}\n`
      : `clearnox-sync accepts plain http:// only to this machine (127.0.0.1, ::1), so no mapping file can use ${sandbox.url}; start the sandbox with --host 127.0.0.1 for that.\n`;
  return {
    banner:
      `${SANDBOX_BANNER}\n` +
      `Listening on ${bound}${everywhere ? ' (every network interface of this machine)' : ''} with ${entries} entries without a document.\n` +
      use +
      `Client id: ${clientId}. State: ${sandbox.url}/__sandbox/state. Stop with Ctrl+C.\n`,
    ...(local ? {} : { warning: networkWarning(bound) }),
  };
}

// The sandbox takes no token on its /__sandbox/ routes, and plain HTTP carries the client secret:
// off this machine, anyone on the network could read what it holds and steer it.
function networkWarning(bound: string): string {
  return (
    `WARNING: the sandbox listens on ${bound}, which other machines can reach. Anyone on the network can then read ` +
    `its state (GET /__sandbox/state: every entry and document attached) and steer it (POST /__sandbox/control: ` +
    `expire tokens, inject failures, add entries), without a token; and the client id and secret sent to it cross ` +
    `the network unencrypted. Use --host 127.0.0.1 (the default) unless this network is yours alone.`
  );
}
