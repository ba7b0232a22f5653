// A secret's value never comes from the command line, where every account listing the processes
// sees it and the shell's history keeps it: it is typed at a prompt that does not echo it, or
// piped in on standard input (a script, another secret tool).
import { password } from '@inquirer/prompts';
import type { Readable, Writable } from 'node:stream';
import { ClearnoxSyncError } from '../errors.js';
import { SecretStoreError } from './store.js';

export interface PromptStreams {
  input?: Readable;
  output?: Writable;
}

/** Asks without echoing; `streams` are the prompt's (tests give their own). */
export function askSecret(message: string, streams: PromptStreams = {}): Promise<string> {
  return answer(password({ message, mask: '*', validate: (v) => (v === '' ? 'Type the value (nothing was typed)' : true) }, streams));
}

/** Everything piped in, without the line end a shell or PowerShell adds. */
export async function readPiped(input: Readable = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '').replace(/[\r\n]+$/, '');
}

/** Lines piped in, each without its line end: several secrets given at once. */
export async function readPipedLines(count: number, input: Readable = process.stdin): Promise<string[]> {
  const lines = (await readPiped(input)).split(/\r?\n/);
  if (lines.length !== count || lines.some((l) => l === '')) {
    throw new SecretStoreError(`Standard input holds ${lines.filter((l) => l !== '').length} non-empty line(s); give ${count}, one secret per line`);
  }
  return lines;
}

export function isTerminal(): boolean {
  return Boolean(process.stdin.isTTY);
}

/** Ctrl+C at a prompt: nothing was stored or written (exit 3, like any interrupted command). */
export class PromptCancelled extends ClearnoxSyncError {
  override readonly name = 'PromptCancelled';
  readonly kind = 'interrupted';
}

/** A prompt's answer, Ctrl+C turned into PromptCancelled. */
export async function answer<T>(prompt: Promise<T>): Promise<T> {
  try {
    return await prompt;
  } catch (e) {
    if ((e as Error | null)?.name === 'ExitPromptError' || (e as Error | null)?.name === 'AbortPromptError') throw new PromptCancelled('Cancelled at the prompt; nothing was stored or written');
    throw e;
  }
}
