// Debian's smbclient. Commands go through standard input, never -c, because -c splits at every
// ";" (quotes included) and invoice names hold them. A one-shot process answers the check made
// when the store opens; the files themselves go through long-lived sessions (session.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { SmbOptions } from './options.js';
import type { UncRoot } from './unc.js';

export interface SmbTarget {
  unc: UncRoot;
  options: SmbOptions;
  /** smbclient to run; a parameter so that a test can point at a missing program. */
  program: string;
}

export type SmbFailure = 'not_found' | 'permission_denied' | 'is_folder' | 'logon' | 'config' | 'connection' | 'other';

export interface SmbStatus {
  /** The first NT_STATUS_ code or message line that tells what went wrong, or null. */
  problem: string | null;
  kind: SmbFailure | null;
}

const NOT_FOUND = /NT_STATUS_(OBJECT_NAME_NOT_FOUND|OBJECT_PATH_NOT_FOUND|NO_SUCH_FILE|NOT_FOUND|OBJECT_NAME_INVALID|OBJECT_PATH_SYNTAX_BAD)/;
const DENIED = /NT_STATUS_(ACCESS_DENIED|SHARING_VIOLATION|NETWORK_ACCESS_DENIED)/;
// The server refused the account or its password: the secret or the account must change.
const LOGON = /NT_STATUS_(LOGON_FAILURE|WRONG_PASSWORD|ACCOUNT_\w+|PASSWORD_\w+|INVALID_LOGON_HOURS|INVALID_WORKSTATION|LOGON_TYPE_NOT_GRANTED)/;
const CONFIG = /NT_STATUS_(BAD_NETWORK_NAME|NO_LOGON_SERVERS|NOT_SUPPORTED|INVALID_PARAMETER_MIX|ACCESS_DENIED.*tree connect)/;
const CONNECTION =
  /NT_STATUS_(CONNECTION_\w+|IO_TIMEOUT|HOST_UNREACHABLE|NETWORK_UNREACHABLE|PIPE_\w+|END_OF_FILE|INVALID_NETWORK_RESPONSE|NETWORK_NAME_DELETED|PORT_UNREACHABLE|UNEXPECTED_NETWORK_ERROR|LOCAL_DISCONNECT|REMOTE_DISCONNECT)|Connection to .* failed|Error connecting/;

// smbclient's own chatter, which may hold a file's name (and so any word). A transfer's line
// is chatter only once it ends with the rate smbclient prints after a complete transfer: one that
// fails has the error appended to it.
// smbclient 4.17 reads PASSWD_FD at two points of its start-up; a later version reading it once
// more would find the pipe empty, say so, and still log in with the line it read first.
const NOISE = /^(Try "help"|getting file .*KiloBytes\/sec\)\s*$|\s*\d+ blocks of size|Error reading password from file descriptor \d+: empty password|\s*$)/;

/** What went wrong, from the lines smbclient printed that are not the command's own output. */
export function classify(messages: string): SmbStatus {
  const lines = messages.split('\n').filter((l) => !NOISE.test(l) && /NT_STATUS_|failed|Error|error/.test(l));
  const text = lines.join('\n');
  if (!text) return { problem: null, kind: null };
  const first = lines[0]!.trim();
  if (LOGON.test(text)) return { problem: first, kind: 'logon' };
  // Session setup and tree connect failures concern the whole store, whatever their status.
  if (/session setup failed|tree connect failed/.test(text) && !CONNECTION.test(text)) return { problem: first, kind: 'config' };
  if (CONFIG.test(text)) return { problem: first, kind: 'config' };
  if (CONNECTION.test(text)) return { problem: first, kind: 'connection' };
  if (/NT_STATUS_FILE_IS_A_DIRECTORY/.test(text)) return { problem: first, kind: 'is_folder' };
  if (NOT_FOUND.test(text)) return { problem: first, kind: 'not_found' };
  if (DENIED.test(text)) return { problem: first, kind: 'permission_denied' };
  return { problem: first, kind: 'other' };
}

/** A store path as smbclient wants it: backslashes, from the share's top, in double quotes. */
export function smbPath(target: SmbTarget, segments: string[]): string {
  return `"\\${[...target.unc.folder, ...segments].join('\\')}"`;
}

export interface SmbRun {
  stdout: Readable;
  /** Resolves with stderr once the process has exited. */
  done: Promise<{ code: number | null; stderr: string }>;
  kill(): void;
}

// The password reaches smbclient through a pipe of its own, read at start-up: not on its
// command line (ps shows it to every account), not in its environment (/proc/<pid>/environ keeps
// it for the process's whole life), not in a file (a killed run would leave it on disk).
const PASSWORD_FD = 3;

/**
 * Starts smbclient with standard input open for commands. With `messagesOnStderr` (-E) every
 * line it prints, a command's output and its messages alike, comes in order on stderr; without,
 * the command's text output and most messages come on stdout. `cwd` is where a `get` lands a
 * file named without a folder.
 */
export function startSmbclient(target: SmbTarget, messagesOnStderr: boolean, cwd?: string): ChildProcess {
  const { options, unc } = target;
  const args = [
    `//${unc.server}/${unc.share}`,
    ...(messagesOnStderr ? ['-E'] : []),
    '-p',
    String(options.port),
    '-t',
    String(options.timeoutSeconds),
    '-m',
    'SMB3',
    '--option=client min protocol=SMB2_02',
    `--option=client signing=${options.signing === 'required' ? 'required' : 'if_required'}`,
    `--option=client smb encrypt=${options.encryption === 'off' ? 'off' : options.encryption}`,
  ];
  const env = smbclientEnvironment(process.env);
  if (options.username) {
    args.push('-U', options.username);
    if (options.domain) args.push('-W', options.domain);
  }
  if (options.username && options.password) env.PASSWD_FD = String(PASSWORD_FD);
  else args.push('-N');
  const child = spawn(target.program, args, { env, cwd, stdio: ['pipe', messagesOnStderr ? 'ignore' : 'pipe', 'pipe', 'pipe'], windowsHide: true });
  const passwordPipe = child.stdio[PASSWORD_FD] as Writable;
  passwordPipe.on('error', () => undefined);
  // One line per read smbclient makes (see NOISE); a line it does not read dies with the pipe.
  passwordPipe.end(options.username && options.password ? `${options.password}\n${options.password}\n` : '');
  child.stdin!.on('error', () => undefined);
  return child;
}

/** One command in a process of its own; its text output and its messages come on stdout. */
export function runSmbclient(target: SmbTarget, command: string): SmbRun {
  const child = startSmbclient(target, false);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 64 * 1024) stderr += d;
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.once('error', (e) => resolve({ code: null, stderr: `${stderr}\nError starting ${target.program}: ${e.message}` }));
    child.once('close', (code) => resolve({ code, stderr }));
  });
  child.stdin!.end(`${command}\n`);
  return { stdout: child.stdout!, done, kill: () => child.kill() };
}

/**
 * The child's whole environment. The parent's holds the Clearnox client secret and every
 * ${env:...} secret of the mapping file; smbclient was seen to need none of it (with an empty
 * environment it finds its home through the account database and reads names as UTF-8).
 * PATH finds the program; the Kerberos variables point at a ticket cache the account chose.
 */
export function smbclientEnvironment(parent: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'KRB5CCNAME', 'KRB5_CONFIG']) {
    const value = parent[name];
    if (value) env[name] = value;
  }
  return env;
}

/**
 * Runs one command and gives its output and messages as lines: the check made at open. A process
 * still there well past the request timeout (a server that accepts and never answers) is ended
 * and reported as a timeout.
 */
export async function smbLines(target: SmbTarget, command: string): Promise<string[]> {
  const run = runSmbclient(target, command);
  let stdout = '';
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    run.kill();
  }, (target.options.timeoutSeconds * 2 + 5) * 1000);
  run.stdout.setEncoding('utf8');
  run.stdout.on('data', (d: string) => (stdout += d));
  const { stderr } = await run.done;
  clearTimeout(timer);
  return `${stdout}\n${stderr}${hung ? '\nNT_STATUS_IO_TIMEOUT (smbclient ended by clearnox-sync)' : ''}`.split('\n');
}
