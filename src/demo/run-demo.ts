// The embedded default: everything an integrator needs to see the tool work, with no server of
// their own. The same pipeline as `run`, against the sandbox, twice: the second run must send
// nothing, which is the promise a nightly task relies on.
import path from 'node:path';
import { builtinAdapters } from '../../adapters/index.js';
import { ClearnoxClient } from '../clearnox/client.js';
import { invocation } from '../install.js';
import { createLogger } from '../log.js';
import { loadMapping } from '../mapping/load.js';
import { runSync } from '../pipeline/run.js';
import { startPackingWorker, type PackingWorker } from '../pipeline/worker-sink.js';
import { summaryText } from '../pipeline/report.js';
import { writeReports } from '../pipeline/report-files.js';
import { SANDBOX_BANNER, startSandbox } from '../sandbox/server.js';
import { buildDemoData } from './data.js';

const CLIENT_ID = 'demo-client';
const CLIENT_SECRET = 'demo-secret-not-for-production';

export async function runDemo(dir: string, print: (line: string) => void): Promise<boolean> {
  const sandbox = await startSandbox({ port: 0, entries: [], clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  let packer: PackingWorker | undefined;
  try {
    print(SANDBOX_BANNER);
    print(`Building the demo ERP database and PDFs in ${dir} ...`);
    const data = await buildDemoData(dir, { baseUrl: sandbox.url, clientId: CLIENT_ID });
    sandbox.control.addEntries(data.entries);
    print(`Sandbox on ${sandbox.url} with ${data.entries.length} entries without a document.`);
    print(`Mapping file: ${data.mappingPath}`);

    // The mapping file refers to the secret as ${env:CLEARNOX_CLIENT_SECRET}, as a real one must.
    process.env.CLEARNOX_CLIENT_SECRET = CLIENT_SECRET;
    const adapters = builtinAdapters();
    const loaded = await loadMapping(data.mappingPath, adapters);
    const log = createLogger({ level: 'info', file: path.join(dir, 'demo.log') });
    const api = new ClearnoxClient({ baseUrl: loaded.mapping.clearnox.baseUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, log });

    const reports = [];
    packer = startPackingWorker();
    for (const n of [1, 2]) {
      print('');
      print(`--- Run ${n} ---`);
      const report = await runSync({ loaded, api, log, sink: packer.sink });
      const file = path.join(dir, `report-run${n}.json`);
      await writeReports(file, report, loaded.mapping.report);
      print(summaryText(report));
      print(`Report: ${file}`);
      reports.push(report);
    }

    const state = sandbox.state();
    const attached = state.entries.filter((e) => e.attached !== null);
    const twice = state.entries.filter((e) => e.attachCount > 1);
    const expected = new Set(data.expected.attachable);
    const wrong = attached.filter((e) => !expected.has(e.id));
    const missed = [...expected].filter((id) => !attached.some((e) => e.id === id));
    const secondSent = reports[1]!.counts.uploadedArchives;
    print('');
    print(
      `Sandbox state: ${attached.length} of ${state.entries.length} entries now have their PDF; ` +
        `${twice.length} attached twice; the second run sent ${secondSent} archive(s).`,
    );
    const ok = twice.length === 0 && wrong.length === 0 && missed.length === 0 && secondSent === 0;
    print(
      ok
        ? 'Demo OK: every entry with a PDF in the ERP was attached exactly once; the others are explained in the report.'
        : `Demo FAILED: ${missed.length} attachable entries not attached, ${wrong.length} attached by mistake, ${twice.length} attached twice.`,
    );
    print('Try it yourself, with the demo data:');
    const program = invocation();
    const setSecret = process.platform === 'win32' ? `set CLEARNOX_CLIENT_SECRET=${CLIENT_SECRET}` : `export CLEARNOX_CLIENT_SECRET=${CLIENT_SECRET}`;
    print(`  ${program} sandbox --port 8080 --client-id ${CLIENT_ID} --client-secret ${CLIENT_SECRET} --entries ${path.join(dir, 'entries.json')}`);
    print(`  then set clearnox.baseUrl: http://127.0.0.1:8080 in ${data.mappingPath}, ${setSecret},`);
    print(`  and run: ${program} run --config ${data.mappingPath} --dry-run`);
    return ok;
  } finally {
    await packer?.close();
    await sandbox.close();
  }
}
