// Debian's smbclient, one process per request. Commands go through standard input, never -c,
// because -c splits at every ";" (quotes included) and invoice names hold them; -E keeps every
// message on stderr so that standard output carries the file's bytes and nothing else. The
// password travels in the child's environment (PASSWD), never on its command line.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { SmbOptions } from './options.js';
import type { UncRoot } from './unc.js';

export interface SmbTarget {
  unc: UncRoot;
  options: SmbOptions;
  /** smbclient to run; a parameter so that a test can point at a missing program. */
  program: string;
}

export type SmbFailure = 'not_found' | 'permission_denied' | 'is_folder' | 'config' | 'connection' | 'other';

export interface SmbStatus {
  /** The first NT_STATUS_ code or message line that tells what went wrong, or null. */
  problem: string | null;
  kind: SmbFailure | null;
}

const NOT_FOUND = /NT_STATUS_(OBJECT_NAME_NOT_FOUND|OBJECT_PATH_NOT_FOUND|NO_SUCH_FILE|NOT_FOUND|OBJECT_NAME_INVALID|OBJECT_PATH_SYNTAX_BAD)/;
const DENIED = /NT_STATUS_(ACCESS_DENIED|SHARING_VIOLATION|NETWORK_ACCESS_DENIED)/;
const CONFIG =
  /NT_STATUS_(LOGON_FAILURE|WRONG_PASSWORD|ACCOUNT_\w+|PASSWORD_\w+|BAD_NETWORK_NAME|NO_LOGON_SERVERS|INVALID_LOGON_HOURS|INVALID_WORKSTATION|NOT_SUPPORTED|INVALID_PARAMETER_MIX|ACCESS_DENIED.*tree connect|LOGON_TYPE_NOT_GRANTED)/;
const CONNECTION =
  /NT_STATUS_(CONNECTION_\w+|IO_TIMEOUT|HOST_UNREACHABLE|NETWORK_UNREACHABLE|PIPE_\w+|END_OF_FILE|INVALID_NETWORK_RESPONSE|NETWORK_NAME_DELETED|PORT_UNREACHABLE|UNEXPECTED_NETWORK_ERROR|LOCAL_DISCONNECT|REMOTE_DISCONNECT)|Connection to .* failed|Error connecting/;

// smbclient's own chatter, which may hold a file's name (and so any word).
const NOISE = /^(Try "help"|getting file |\s*\d+ blocks of size|\s*$)/;

/** What went wrong, from the lines smbclient printed that are not the command's own output. */
export function classify(messages: string): SmbStatus {
  const lines = messages.split('\n').filter((l) => !NOISE.test(l) && /NT_STATUS_|failed|Error|error/.test(l));
  const text = lines.join('\n');
  if (!text) return { problem: null, kind: null };
  const first = lines[0]!.trim();
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

/**
 * With `data`, standard output carries a file's bytes (-E sends every message to stderr);
 * without, a command's text output and its messages both come on standard output.
 */
export function runSmbclient(target: SmbTarget, command: string, data: boolean): SmbRun {
  const { options, unc } = target;
  const args = [
    `//${unc.server}/${unc.share}`,
    ...(data ? ['-E'] : []),
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
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PASSWD;
  delete env.USER;
  if (options.username) {
    args.push('-U', options.username);
    if (options.domain) args.push('-W', options.domain);
    env.PASSWD = options.password ?? '';
    if (!options.password) args.push('-N');
  } else {
    args.push('-N');
  }
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(target.program, args, {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 64 * 1024) stderr += d;
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.once('error', (e) => resolve({ code: null, stderr: `${stderr}\nError starting ${target.program}: ${e.message}` }));
    child.once('close', (code) => resolve({ code, stderr }));
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(`${command}\n`);
  return { stdout: child.stdout, done, kill: () => child.kill() };
}

/**
 * Runs one command and gives its output and messages as lines: for allinfo and cd. A process
 * still there well past the request timeout (a server that accepts and never answers) is ended
 * and reported as a timeout.
 */
export async function smbLines(target: SmbTarget, command: string): Promise<string[]> {
  const run = runSmbclient(target, command, false);
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
