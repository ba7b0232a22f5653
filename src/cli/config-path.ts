// --config names the mapping file. yargs gives an empty text for "--config" written without a
// value, which path.resolve would turn into the working folder; and a folder given for the file is
// a slip worth answering with the file names it holds.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './errors.js';

/** Refuses a --config value that cannot name a mapping file; a missing file is the loader's to tell. */
export async function checkConfigPath(value: string): Promise<void> {
  if (value.trim() === '') {
    throw new UsageError('--config needs the path of a mapping file, e.g. --config C:\\clearnox\\acme.yaml');
  }
  const info = await stat(value).catch(() => undefined);
  if (!info?.isDirectory()) return;
  const yaml = (await readdir(value).catch(() => [] as string[])).filter((n) => /\.ya?ml$/i.test(n)).sort();
  const example = path.join(value, yaml[0] ?? 'mapping.yaml');
  const others = yaml.length > 1 ? ` (the folder holds ${yaml.slice(0, 5).join(', ')}${yaml.length > 5 ? ', ...' : ''})` : '';
  throw new UsageError(`--config ${value} is a folder: give the mapping file's path, e.g. ${example}${others}.`);
}
