// Real DPAPI is untested here: Windows PowerShell has no Debian package. This fake stands in for
// powershell.exe on the PATH: it records how it was started (arguments, environment, standard
// input) beside itself, and answers the store's Protect/Unprotect script as PowerShell would, with
// a reversible "protection" bound to the scope, so that a blob read with the other scope fails
// the way DPAPI's does.
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const FAKE = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
let stdin = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => (stdin += c));
process.stdin.on('end', () => {
  fs.appendFileSync(path.join(__dirname, 'calls.jsonl'), JSON.stringify({ argv: process.argv.slice(2), env: process.env, stdin }) + '\\n');
  const input = /FromBase64String\\('([A-Za-z0-9+\\/=]*)'\\)/.exec(stdin);
  const call = /ProtectedData\\]::(Protect|Unprotect)\\(/.exec(stdin);
  const scope = /DataProtectionScope\\]::(CurrentUser|LocalMachine)\\)/.exec(stdin);
  if (!input || !call || !scope || !/^-NoProfile -NonInteractive -Command -$/.test(process.argv.slice(2).join(' '))) {
    process.stderr.write('fake powershell: not the script or arguments expected');
    process.exit(2);
  }
  const bytes = Buffer.from(input[1], 'base64');
  const tag = Buffer.from('FAKE-DPAPI:' + scope[1] + ':');
  let out;
  if (call[1] === 'Protect') out = Buffer.concat([tag, Buffer.from(bytes).reverse()]);
  else if (bytes.subarray(0, tag.length).equals(tag)) out = Buffer.from(bytes.subarray(tag.length)).reverse();
  else {
    process.stderr.write('Exception calling "Unprotect" with "3" argument(s): "Key not valid for use in specified state."');
    process.exit(1);
  }
  process.stdout.write('<<clearnox-sync:' + out.toString('base64') + ':clearnox-sync>>');
});
`;

export interface FakePowerShell {
  dir: string;
  /** PATH with the fake first. */
  path: string;
  calls(): Promise<{ argv: string[]; env: Record<string, string>; stdin: string }[]>;
}

export async function fakePowerShell(): Promise<FakePowerShell> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-fake-ps-'));
  const file = path.join(dir, 'powershell.exe');
  await writeFile(file, FAKE);
  await chmod(file, 0o755);
  return {
    dir,
    path: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
    calls: async () =>
      (await readFile(path.join(dir, 'calls.jsonl'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { argv: string[]; env: Record<string, string>; stdin: string }),
  };
}
