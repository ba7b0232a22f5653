// init: a mapping file for a new customer from a template, its secrets in the secret store. In a
// terminal it asks for what the options did not give; elsewhere (a script, a remote session
// without a terminal) the options must give it all, and a secret comes only on standard input.
import { input, password, select } from '@inquirer/prompts';
import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { builtinAdapters } from '../../adapters/index.js';
import { UsageError } from '../cli/errors.js';
import { baseUrlProblem } from '../mapping/base-url.js';
import { MappingError } from '../mapping/errors.js';
import { parseMapping } from '../mapping/load.js';
import type { SecretScope } from '../secret-store/location.js';
import { answer, readPipedLines, type PromptStreams } from '../secret-store/read-value.js';
import { setSecret, type StoreOptions } from '../secret-store/store.js';
import { FIELDS, secretName, type Field } from './fields.js';
import { changeMarks, fillTemplate, hasKey, valueIn, type Filled } from './fill.js';
import { installedSchemaFile, listTemplates, type Template } from './templates.js';

export type InitValues = Partial<Record<Field['key'], string>>;

export interface InitOptions {
  template?: string;
  out?: string;
  force?: boolean;
  values: InitValues;
  clientSecretStdin?: boolean;
  dbPasswordStdin?: boolean;
  scope: SecretScope;
  readers?: string[];
}

export interface InitIo {
  /** In a terminal: ask for what is missing. */
  interactive: boolean;
  prompts?: PromptStreams;
  /** Where piped secrets are read (process.stdin). */
  stdin?: Readable;
  store?: StoreOptions;
  templatesFolder?: string;
  schemaFile?: string;
  print(line: string): void;
}

export interface InitResult {
  file: string;
  template: string;
  stored: string[];
  toStore: string[];
}

/** Whether something is at `file`; a folder there cannot be replaced, even with --force. */
async function exists(file: string): Promise<boolean> {
  const info = await lstat(file).catch(() => null);
  if (info?.isDirectory()) throw new UsageError(`${file} is a folder; give --out a file name in it, e.g. ${path.join(file, 'mapping.yaml')}`);
  return info !== null;
}

function urlProblem(value: string): string | undefined {
  try {
    new URL(value);
  } catch {
    return 'is not a URL; write it as https://api.clearnox.com';
  }
  return baseUrlProblem(value);
}

function checkValue(field: Field, value: string): string | undefined {
  if (value.trim() === '') return 'is empty';
  if (field.key === 'baseUrl') return urlProblem(value);
  if (field.number && !/^\d{1,5}$/.test(value.trim())) return 'is not a port number';
  return undefined;
}

export async function runInit(opts: InitOptions, io: InitIo): Promise<InitResult> {
  const ask = io.prompts ?? {};
  const templates = await listTemplates(io.templatesFolder);
  const template = await chooseTemplate(opts.template, templates, io);
  const file = path.resolve(opts.out ?? `${template.name}.yaml`);
  const folder = await lstat(path.dirname(file)).catch(() => null);
  if (!folder?.isDirectory()) throw new UsageError(`The folder ${path.dirname(file)} of ${file} does not exist; create it first, or give --out another path`);
  if ((await exists(file)) && !opts.force) {
    throw new UsageError(`${file} already exists; nothing was written. Give another --out, or --force to replace it`);
  }
  const text = await readFile(template.file, 'utf8');
  const fields = FIELDS.filter((f) => hasKey(text, f.at));

  // What the options give, checked before anything is asked.
  for (const f of fields) {
    const given = opts.values[f.key];
    if (given === undefined) continue;
    const problem = checkValue(f, given);
    if (problem) throw new UsageError(`${f.flag} ${problem}`);
  }
  const secretsByFlag = fields.filter((f) => f.secret && (f.key === 'clientSecret' ? opts.clientSecretStdin : opts.dbPasswordStdin));
  if (!io.interactive) {
    const missing = fields.filter((f) => f.required && opts.values[f.key] === undefined).map((f) => f.flag);
    if (missing.length) {
      throw new UsageError(`Not in a terminal, init cannot ask; give ${missing.join(', ')} (see clearnox-sync init --help)`);
    }
  }
  const piped = secretsByFlag.length ? await readPipedLines(secretsByFlag.length, io.stdin) : [];

  const values: InitValues = { ...opts.values };
  const secrets = new Map<Field['key'], string>();
  secretsByFlag.forEach((f, i) => secrets.set(f.key, piped[i]!));
  for (const f of fields) {
    if (f.secret) {
      if (!secrets.has(f.key) && io.interactive) {
        const v = await answer(password({ message: `${f.message} (not shown; leave empty to store it later)`, mask: '*' }, ask));
        if (v !== '') secrets.set(f.key, v);
      }
      continue;
    }
    if (values[f.key] !== undefined || !io.interactive) continue;
    const template = valueIn(text, f.at);
    values[f.key] = await answer(
      input(
        {
          message: f.message,
          ...(f.required ? {} : { default: template }),
          required: true,
          validate: (v: string) => {
            const problem = checkValue(f, v);
            return problem ? `This ${problem}` : true;
          },
        },
        ask,
      ),
    );
  }

  const filled: Filled[] = [];
  const names = new Map<Field['key'], string>();
  for (const f of fields) {
    if (f.secret) {
      const name = secretName(file, f.secret.suffix);
      names.set(f.key, name);
      filled.push({ at: f.at, value: `\${secret:${name}}`, comment: `in the secret store: clearnox-sync secret set ${name}` });
    } else if (values[f.key] !== undefined) {
      filled.push({ at: f.at, value: f.number ? Number(values[f.key]) : values[f.key]!.trim() });
    }
  }
  const written = fillTemplate(text, filled, io.schemaFile ?? installedSchemaFile());
  await checkLoads(written, file, fields, secrets, names);

  const stored: string[] = [];
  for (const [key, value] of secrets) {
    const name = names.get(key)!;
    await setSecret(name, value, { scope: opts.scope, readers: opts.readers ?? [] }, io.store);
    stored.push(name);
  }
  try {
    if (opts.force) await rm(file, { force: true });
    // Created new, never through a link or over a file that appeared meanwhile.
    await writeFile(file, written, { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'this account may not write there' : code === 'EEXIST' ? 'a file appeared there meanwhile' : (code ?? String(e));
    throw new UsageError(`${file} could not be written (${why})${stored.length ? `; the secrets ${stored.join(', ')} were stored` : ''}`);
  }

  const toStore = [...names].filter(([k]) => !secrets.has(k)).map(([, n]) => n);
  io.print(`Wrote ${file} from the template ${template.name}.`);
  if (stored.length) io.print(`Stored in the secret store: ${stored.join(', ')}.`);
  for (const n of toStore) io.print(`Store this secret before the first run:  clearnox-sync secret set ${n}`);
  const marks = changeMarks(written);
  if (marks.length) io.print(`Look at the lines still marked CHANGE:\n${marks.map((m) => `  ${m}`).join('\n')}`);
  io.print(`Then try each part without sending anything:  clearnox-sync check --config ${file}`);
  return { file, template: template.name, stored, toStore };
}

async function chooseTemplate(name: string | undefined, templates: Template[], io: InitIo): Promise<Template> {
  const list = templates.map((t) => t.name).join(', ');
  if (name !== undefined) {
    const t = templates.find((x) => x.name === name.replace(/\.ya?ml$/i, ''));
    if (!t) throw new UsageError(`--template ${name} is not one of the templates: ${list}`);
    return t;
  }
  if (!io.interactive) throw new UsageError(`Not in a terminal, init cannot ask; give --template (one of: ${list})`);
  const chosen = await answer(
    select({ message: 'Which ERP (template)?', choices: templates.map((t) => ({ name: t.name, value: t.name, description: t.summary })) }, io.prompts ?? {}),
  );
  return templates.find((t) => t.name === chosen)!;
}

/** The file as written must load; a value that makes it fail is named by its option. */
async function checkLoads(text: string, file: string, fields: Field[], secrets: Map<Field['key'], string>, names: Map<Field['key'], string>): Promise<void> {
  const byName = new Map([...names].map(([k, n]) => [n, secrets.get(k) ?? 'set-later-with-secret-set']));
  try {
    await parseMapping(text, file, builtinAdapters(), { secrets: async (n) => ({ value: byName.get(n) ?? 'set-later-with-secret-set' }) });
  } catch (e) {
    if (!(e instanceof MappingError)) throw e;
    const lines = e.problems.map((p) => {
      const f = fields.find((x) => x.at.join('.') === p.path);
      return f ? `${f.flag}: ${p.message}` : `${p.path}: ${p.message}`;
    });
    throw new UsageError(`The mapping file would not load with these values; nothing was written:\n${lines.join('\n')}`);
  }
}
