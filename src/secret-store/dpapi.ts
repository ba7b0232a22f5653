// Windows keeps the store's values protected with DPAPI, reached through .NET from Windows
// PowerShell: the single executable carries no native add-on, and every Windows server has
// PowerShell 5.1. The value travels to PowerShell only on its standard input, inside the script
// it reads there (`-Command -`): never on its command line, which any account can list, nor in
// its environment, which stays readable for the process's whole life.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ClearnoxSyncError } from '../errors.js';
import type { SecretScope } from './location.js';

export interface PowerShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a one-line script given on standard input; injected by tests (no PowerShell here). */
export type PowerShellRunner = (script: string) => Promise<PowerShellResult>;

export const POWERSHELL_ARGS = ['-NoProfile', '-NonInteractive', '-Command', '-'];

// What PowerShell and .NET need to start, and nothing else of this process's environment, which
// may hold a secret a mapping file reads through ${env:}.
const PASSED_ENV = ['SystemRoot', 'windir', 'SystemDrive', 'PATH', 'PATHEXT', 'TEMP', 'TMP', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'ProgramData', 'COMPUTERNAME', 'USERNAME', 'USERDOMAIN', 'PSModulePath'];

function powershellEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (PASSED_ENV.some((n) => n.toUpperCase() === k.toUpperCase())) out[k] = v;
  return out;
}

/**
 * PowerShell by its full path where Windows says where it is: a bare name would be looked up in
 * the working folder first, where anyone who may write there could put another powershell.exe.
 */
function powershellProgram(env: NodeJS.ProcessEnv): string {
  const root = Object.entries(env).find(([k]) => k.toUpperCase() === 'SYSTEMROOT')?.[1];
  return root ? path.win32.join(root, 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe') : 'powershell.exe';
}

export function systemPowerShell(env: NodeJS.ProcessEnv = process.env): PowerShellRunner {
  return (script) =>
    new Promise((resolve, reject) => {
      const child = spawn(powershellProgram(env), POWERSHELL_ARGS, { env: powershellEnvironment(env), stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(`${script}\n`);
    });
}

// Extra entropy: a blob copied out of the store does not open with a bare Unprotect call.
const ENTROPY = 'clearnox-sync';
const START = '<<clearnox-sync:';
const END = ':clearnox-sync>>';

function dotnetScope(scope: SecretScope): string {
  return scope === 'machine' ? 'LocalMachine' : 'CurrentUser';
}

/**
 * One line, statements joined by `;`: PowerShell reading commands from standard input runs them
 * line by line, and a block spread over lines would wait for an empty line. The result is put
 * between markers so that anything else PowerShell prints is left aside.
 */
function script(call: 'Protect' | 'Unprotect', inputBase64: string, scope: SecretScope): string {
  return [
    `$ErrorActionPreference = 'Stop'`,
    `try { Add-Type -AssemblyName System.Security`,
    `$in = [Convert]::FromBase64String('${inputBase64}')`,
    `$entropy = [Text.Encoding]::UTF8.GetBytes('${ENTROPY}')`,
    `$out = [System.Security.Cryptography.ProtectedData]::${call}($in, $entropy, [System.Security.Cryptography.DataProtectionScope]::${dotnetScope(scope)})`,
    `[Console]::Out.Write('${START}' + [Convert]::ToBase64String($out) + '${END}') } catch { [Console]::Error.Write($_.Exception.Message); exit 1 }`,
  ].join('; ');
}

/** PowerShell or DPAPI refused: a person must act (set the secret again, as the right account). */
export class DpapiError extends ClearnoxSyncError {
  override readonly name = 'DpapiError';
  readonly kind = 'config';
}

async function call(run: PowerShellRunner, which: 'Protect' | 'Unprotect', input: Buffer, scope: SecretScope): Promise<Buffer> {
  const b64 = input.toString('base64');
  let result: PowerShellResult;
  try {
    result = await run(script(which, b64, scope));
  } catch (e) {
    throw new DpapiError(`Windows PowerShell could not be started (${(e as NodeJS.ErrnoException).code ?? String(e)}); the secret store needs powershell.exe, part of every Windows since Server 2008 R2`);
  }
  const m = new RegExp(`${START}([A-Za-z0-9+/=]*)${END}`).exec(result.stdout);
  if (result.code === 0 && m) return Buffer.from(m[1]!, 'base64');
  // PowerShell may quote the line it failed on, which holds the value (encoded) when protecting.
  const said = result.stderr.split(b64).join('***').replace(/\s+/g, ' ').trim();
  throw new DpapiError(said || `PowerShell ended with code ${result.code} and gave no result`);
}

/** The value protected for this account (`user`) or for any account of this machine (`machine`). */
export function protect(run: PowerShellRunner, value: string, scope: SecretScope): Promise<Buffer> {
  return call(run, 'Protect', Buffer.from(value, 'utf8'), scope);
}

export async function unprotect(run: PowerShellRunner, blob: Buffer, scope: SecretScope): Promise<string> {
  return (await call(run, 'Unprotect', blob, scope)).toString('utf8');
}
