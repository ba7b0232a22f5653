import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadMapping, parseMapping } from '../../src/mapping/load.js';
import { clearSecrets, redact } from '../../src/secrets.js';
import { ADAPTERS, BASE, edit, ENV, problemsOf, SECRET, tempDir, writeMapping } from './fixtures.js';

const FILE = path.resolve('mappings-under-test', 'mapping.yaml');
const parse = (text: string, env: NodeJS.ProcessEnv = ENV) => parseMapping(text, FILE, ADAPTERS, { env });
const fails = (text: string, env: NodeJS.ProcessEnv = ENV) => problemsOf(parse(text, env));

beforeEach(() => clearSecrets());

describe('a valid mapping file', () => {
  it('loads with defaults applied and the secret resolved and registered', async () => {
    const loaded = await parse(BASE);
    expect(loaded.file).toBe(FILE);
    expect(loaded.baseDir).toBe(path.dirname(FILE));
    expect(loaded.mapping.version).toBe(1);
    expect(loaded.mapping.clearnox).toMatchObject({ clientSecret: SECRET, pageSize: 1000, timeoutSeconds: 120 });
    // Relative paths stay relative: adapters resolve them against baseDir.
    expect(loaded.mapping.source).toMatchObject({ type: 'fakesql', path: 'erp.db', documentNumberColumn: 'documentNumber' });
    expect(loaded.mapping.documents).toEqual({ type: 'folder', root: '\\\\server\\share\\pdf' });
    expect(loaded.mapping.match).toEqual({ trim: true, ignoreCase: true, removeInnerSpaces: true, ignoreLeadingZeros: false });
    expect(loaded.mapping.upload).toMatchObject({ maxArchiveMiB: 50, maxDocumentsPerArchive: 500, dryRun: false });
    expect(loaded.secrets).toContain(SECRET);
    expect(redact(`token ${SECRET}`)).toBe('token ***');
  });

  it('reads a file saved by Notepad with a BOM, or as UTF-16', async () => {
    const dir = await tempDir();
    const bom = await writeMapping(dir, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(BASE)]), 'bom.yaml');
    expect((await loadMapping(bom, ADAPTERS, { env: ENV })).mapping.clearnox.clientId).toBe('connector-1');
    const utf16 = await writeMapping(dir, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BASE, 'utf16le')]), 'u16.yaml');
    expect((await loadMapping(utf16, ADAPTERS, { env: ENV })).baseDir).toBe(dir);
  });

  it('turns $${ into a literal ${', async () => {
    const loaded = await parse(edit({ 'source.query': "SELECT '$${notAReference}' AS x, piece AS documentNumber FROM docs" }));
    expect(loaded.mapping.source.query).toBe("SELECT '${notAReference}' AS x, piece AS documentNumber FROM docs");
  });

  it('accepts a connection string whose password is a reference', async () => {
    const text = edit({ 'source.type': 'fakemssql', 'source.path': null }, { source: ['connectionString: Server=db;User Id=erp;Password=${env:DB_PW}'] });
    const loaded = await parse(text, { ...ENV, DB_PW: 'db-password-99' });
    expect(loaded.mapping.source['connectionString']).toBe('Server=db;User Id=erp;Password=db-password-99');
    expect(redact('Password=db-password-99')).toBe('Password=***');
  });
});

describe('unreadable files', () => {
  it('reports a missing mapping file', async () => {
    const err = await problemsOf(loadMapping(path.join(await tempDir(), 'nope.yaml'), ADAPTERS));
    expect(err.message).toMatch(/nope\.yaml.*\n.*cannot read the mapping file: no such file/);
  });

  // A FIFO blocks open() in a thread nothing can end; it is refused without being read.
  it('refuses a mapping file or a ${file:} secret that is a FIFO, without waiting on it', async () => {
    const dir = await tempDir();
    const fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const err = await problemsOf(loadMapping(fifo, ADAPTERS));
    expect(err.message).toMatch(/pipe\.yaml.*\n.*cannot read the mapping file: it is not a regular file \(a pipe or a device\)/);
    execFileSync('mkfifo', [path.join(dir, 'secret.txt')]);
    const file = await writeMapping(dir, edit({ 'clearnox.clientSecret': '${file:secret.txt}' }));
    const secret = await problemsOf(loadMapping(file, ADAPTERS, { env: {} }));
    expect(secret.message).toContain(`cannot read the file ${path.join(dir, 'secret.txt')} named by \${file:secret.txt}: it is not a regular file (a pipe or a device); give a file`);
  });

  it('names the line holding a character that is not UTF-8', async () => {
    const latin1 = Buffer.from(edit({ 'clearnox.clientId': 'société' }), 'latin1');
    const err = await problemsOf(loadMapping(await writeMapping(await tempDir(), latin1), ADAPTERS, { env: ENV }));
    expect(err.problems).toEqual([expect.objectContaining({ line: 3, message: expect.stringContaining('not saved as UTF-8') })]);
  });

  it('reports a YAML syntax error with file, line, column and reason, without echoing the line', async () => {
    const err = await fails('clearnox:\n  clientId: a\n    baseUrl: https://x\n');
    expect(err.problems).toEqual([expect.objectContaining({ line: 2, column: 13 })]);
    expect(err.message).toContain('mapping.yaml:2:13 not valid YAML: Nested mappings are not allowed in compact mappings');
    expect(err.message).not.toContain('^');
  });

  it('explains backslashes inside double quotes', async () => {
    const err = await fails(edit({ 'documents.root': '"C:\\pdf\\factures"' }));
    expect(err.message).toContain('mapping.yaml:12:');
    expect(err.message).toContain('single quotes');
  });

  it('refuses an empty file and a file that is not a set of sections', async () => {
    expect((await fails('# nothing yet\n')).message).toContain('the file is empty');
    expect((await fails('- clearnox\n- source\n')).message).toContain('expected sections such as clearnox:');
  });
});

describe('schema problems in plain words', () => {
  it('names an unknown key, suggests the closest one and lists the allowed keys', async () => {
    const err = await fails(edit({ 'source.pathColumn': null }, { source: ['pathTemplte: "{{documentNumber}}.pdf"'] }));
    expect(err.message).toContain(
      'mapping.yaml:6 source.pathTemplte: unknown key "pathTemplte"; did you mean pathTemplate? ' +
        'The keys allowed in source are: type, path, query, documentNumberColumn, pathColumn, pathTemplate, batchSize',
    );
  });

  it('suggests a key that differs only in case', async () => {
    const err = await fails(edit({ 'clearnox.baseUrl': null }, { clearnox: ['baseURL: https://api.clearnox.test'] }));
    expect(err.message).toContain('mapping.yaml:2 clearnox.baseURL: unknown key "baseURL"; did you mean baseUrl?');
    expect(err.message).toContain('mapping.yaml:1 clearnox.baseUrl: required but missing');
  });

  it('reports a missing key at its parent, with what it should hold', async () => {
    const err = await fails(edit({ 'clearnox.clientId': null }));
    expect(err.problems).toEqual([
      {
        path: 'clearnox.clientId',
        line: 1,
        message: 'required but missing; expected text (Client id of the Clearnox connector (Configure > Connector Configuration).)',
      },
    ]);
  });

  it('reports a missing section', async () => {
    const err = await fails(BASE.slice(0, BASE.indexOf('documents:')));
    expect(err.message).toContain('mapping.yaml documents: the section documents: is missing; add it');
  });

  it('says what a key expects and what was written', async () => {
    const err = await fails(edit({}, { source: ['batchSize: 500x'] }));
    expect(err.message).toContain('mapping.yaml:6 source.batchSize: expected a whole number between 1 and 10000, got "500x"');
    const err2 = await fails(`${BASE}upload:\n  dryRun: yes\n  maxArchiveMiB: 0\nmatch:\n`);
    expect(err2.message).toContain('mapping.yaml:14 upload.dryRun: expected true or false, got "yes"');
    expect(err2.message).toContain('mapping.yaml:15 upload.maxArchiveMiB: expected a number above 0 and at most 100, got 0');
    expect(err2.message).toContain('mapping.yaml:16 match: expected a section (its keys indented on the lines below), got nothing');
  });

  it('tells to quote a number YAML would read as a number', async () => {
    const err = await fails(edit({ 'clearnox.clientId': '00123' }));
    expect(err.message).toContain('mapping.yaml:3 clearnox.clientId: expected text, got 123; YAML reads 00123 as a number, write it in quotes: "00123"');
  });

  it('lists the registered adapter types for an unknown or missing type', async () => {
    const err = await fails(edit({ 'source.type': 'mysql', 'documents.type': null }));
    expect(err.message).toContain('mapping.yaml:6 source.type: "mysql" is not a known database type; the types are: fakemssql, fakesql');
    expect(err.message).toContain('mapping.yaml:10 documents.type: missing; say which kind of document store this is with type: one of folder, sftp');
  });

  it('checks the API address is a URL', async () => {
    const err = await fails(edit({ 'clearnox.baseUrl': 'htp:/api.clearnox.test' }));
    expect(err.message).toContain('mapping.yaml:2 clearnox.baseUrl: expected an http(s) URL such as https://api.clearnox.com, got "htp:/api.clearnox.test"');
  });

  it('refuses plain http:// to another machine: the client secret would cross the network unencrypted', async () => {
    for (const url of ['http://api.clearnox.test', 'HTTP://API.CLEARNOX.TEST/v1', 'http://127.0.0.1.evil.example', 'http://localhost.evil:8080', 'http://127.0.0.1@evil.example', 'http://10.0.0.5:8080']) {
      const err = await fails(edit({ 'clearnox.baseUrl': url }));
      expect(err.problems, url).toEqual([expect.objectContaining({ path: 'clearnox.baseUrl', line: 2 })]);
      expect(err.message, url).toMatch(/^mapping\.yaml:2 clearnox\.baseUrl: would send the client secret unencrypted over the network to \S+; write https:\/\//m);
    }
    const viaEnv = await fails(edit({ 'clearnox.baseUrl': '${env:CNX_URL}' }), { ...ENV, CNX_URL: 'http://api.clearnox.test' });
    expect(viaEnv.message).toContain('clearnox.baseUrl: would send the client secret unencrypted over the network to api.clearnox.test');
  });

  it('accepts plain http:// to this machine only (the sandbox), and https:// anywhere', async () => {
    for (const url of ['http://127.0.0.1:8080', 'http://127.1.2.3', 'http://[::1]:8080', 'http://localhost:8080', 'HTTP://LOCALHOST', 'http://0x7f.1', 'https://api.clearnox.test']) {
      const loaded = await parse(edit({ 'clearnox.baseUrl': url }));
      expect(loaded.mapping.clearnox.baseUrl, url).toBe(url);
    }
  });

  it('refuses a user name or password in the API address', async () => {
    const err = await fails(edit({ 'clearnox.baseUrl': 'https://me:pw@api.clearnox.test' }));
    expect(err.message).toContain('mapping.yaml:2 clearnox.baseUrl: holds a user name or password before the @; remove it');
  });

  it('checks match.pattern compiles', async () => {
    const err = await fails(`${BASE}match:\n  pattern: "FA-(\\\\d+"\n`);
    expect(err.problems).toEqual([
      { path: 'match.pattern', line: 14, message: 'is not a valid regular expression: Unterminated group' },
    ]);
  });

  it('checks dates', async () => {
    const err = await fails(edit({}, { clearnox: ['dateFrom: 1/2/2024', 'dateTo: 2024-02-30'] }));
    expect(err.message).toContain('mapping.yaml:2 clearnox.dateFrom: expected a date written YYYY-MM-DD, got "1/2/2024"');
    expect(err.message).toContain('mapping.yaml:3 clearnox.dateTo: 2024-02-30 is not a day of the calendar');
    const order = await fails(edit({}, { clearnox: ['dateFrom: 2024-03-01', 'dateTo: 2024-02-01'] }));
    expect(order.message).toContain('clearnox.dateTo: is before dateFrom');
  });

  it('wants exactly one of pathColumn and pathTemplate', async () => {
    const both = await fails(edit({}, { source: ['pathTemplate: "{{documentNumber}}.pdf"'] }));
    expect(both.message).toContain('mapping.yaml:5 source: give exactly one of pathColumn or pathTemplate; both are given, keep one');
    const neither = await fails(edit({ 'source.pathColumn': null }));
    expect(neither.message).toContain('mapping.yaml:5 source: give exactly one of pathColumn or pathTemplate; neither is given');
  });

  it('names the only version it reads', async () => {
    const err = await fails(`version: 2\n${BASE}`);
    expect(err.message).toContain('mapping.yaml:1 version: expected 1, the only mapping-file version this tool reads, got 2');
  });

  it('reports every problem at once, in line order', async () => {
    const err = await fails(
      edit({ 'clearnox.baseUrl': 'nope', 'clearnox.clientSecret': '${env:MISSING_SECRET}', 'source.type': 'mysql' }, { documents: ['colour: red'] }),
    );
    expect(err.problems.map((p) => `${p.line} ${p.path}`)).toEqual([
      '2 clearnox.baseUrl',
      '4 clearnox.clientSecret',
      '6 source.type',
      '11 documents.colour',
    ]);
    expect(err.message).toContain('mapping.yaml:11 documents.colour: unknown key "colour". The keys allowed in documents are: type, root');
    expect(err.message.split('\n')).toHaveLength(5);
    expect(err.message.split('\n')[0]).toBe(`The mapping file ${FILE} has 4 problems:`);
  });
});

describe('references', () => {
  it('names the missing environment variable, its line and key, and how to set it', async () => {
    const err = await fails(BASE, {});
    expect(err.problems).toHaveLength(1);
    const line = err.message.split('\n')[1]!;
    expect(line).toMatch(/^mapping\.yaml:4 clearnox\.clientSecret: the environment variable CLEARNOX_CLIENT_SECRET is not set/);
    expect(line).toContain('setx CLEARNOX_CLIENT_SECRET "the value" /M');
    expect(line).toContain('Task Scheduler');
    expect(err.message).toContain(FILE);
  });

  it('names the mapping file by its full path: a scheduled task starts in another folder', async () => {
    const err = await problemsOf(parseMapping(BASE, 'mapping.yaml', ADAPTERS, { env: {} }));
    expect(err.file).toBe(path.resolve('mapping.yaml'));
    expect(err.message.split('\n')[0]).toBe(`The mapping file ${path.resolve('mapping.yaml')} has a problem:`);
  });

  it('reads ${file:} next to the mapping file, trims the newline, and masks the value', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'client.txt'), '\uFEFFfrom-a-file-123\r\n');
    const file = await writeMapping(dir, edit({ 'clearnox.clientSecret': '${file:client.txt}', 'clearnox.clientId': 'id-${file:client.txt}' }));
    const loaded = await loadMapping(file, ADAPTERS, { env: {} });
    expect(loaded.mapping.clearnox.clientSecret).toBe('from-a-file-123');
    // Any file value is a secret, even under a key that does not look like one.
    expect(loaded.mapping.clearnox.clientId).toBe('id-from-a-file-123');
    expect(redact('from-a-file-123')).toBe('***');
  });

  it('names the path of a missing ${file:}', async () => {
    const dir = await tempDir();
    const file = await writeMapping(dir, edit({ 'clearnox.clientSecret': '${file:secrets\\clearnox.txt}' }));
    const err = await problemsOf(loadMapping(file, ADAPTERS, { env: {} }));
    expect(err.problems[0]).toMatchObject({ path: 'clearnox.clientSecret', line: 4 });
    expect(err.message).toContain(`cannot read the file ${path.join(dir, 'secrets\\clearnox.txt')} named by \${file:secrets\\clearnox.txt}: no such file`);
  });

  it('refuses a secret written in the file and never repeats it', async () => {
    const err = await fails(edit({ 'clearnox.clientSecret': 'hunter2-literal' }));
    expect(err.message.split('\n')[1]).toBe(
      'mapping.yaml:4 clearnox.clientSecret: holds the secret itself; write a reference such as ${env:CLEARNOX_CLIENT_SECRET}, so that the secret never sits in the mapping file',
    );
    expect(err.message).not.toContain('hunter2-literal');
    const numeric = await fails(edit({ 'clearnox.clientSecret': '12345678' }));
    expect(numeric.message).toContain('holds the secret itself');
    expect(numeric.message).not.toContain('12345678');
  });

  it('refuses a password written in a connection string or in a store option', async () => {
    const text = edit({ 'source.type': 'fakemssql', 'source.path': null }, { source: ['connectionString: Server=db;Pwd=Pa55word!'] });
    const err = await fails(text);
    expect(err.message).toContain('source.connectionString: holds a password itself; write a reference in its place, such as Password=${env:SOURCE_PASSWORD}');
    expect(err.message).not.toContain('Pa55word!');
    const sftp = await fails(edit({ 'documents.type': 'sftp', 'documents.root': null }, { documents: ['host: files.example', 'password: open-sesame'] }));
    expect(sftp.message).toContain('documents.password: holds the secret itself; write a reference such as ${env:DOCUMENTS_PASSWORD}');
  });

  it('never shows a secret value, even where a message would quote the value', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'page.txt'), '4096-from-file\n');
    const file = await writeMapping(dir, edit({}, { clearnox: ['pageSize: ${file:page.txt}'] }));
    const err = await problemsOf(loadMapping(file, ADAPTERS, { env: ENV }));
    expect(err.message).toContain('clearnox.pageSize: expected a whole number between 1 and 1000, got "***"');
    expect(err.message).toContain('a ${env:} or ${file:} reference always gives text');
    expect(err.message).not.toContain('4096-from-file');
  });

  it('reports an unknown or unclosed reference', async () => {
    const err = await fails(edit({ 'clearnox.clientId': '${ENVX:ID}', 'source.path': '${env:DB_PATH' }));
    expect(err.message).toContain('mapping.yaml:3 clearnox.clientId: "${ENVX:ID}" is not a reference this tool knows');
    expect(err.message).toContain('mapping.yaml:7 source.path: the reference "${env:DB_PATH" has no closing }');
  });
});
