// One sync run in a process of its own, so that its peak memory is the pipeline's alone.
import { builtinAdapters } from '../../adapters/index.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { silentLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import { runSync } from '../../src/pipeline/run.js';
import { reportResult } from './measure.js';

const [mappingFile] = process.argv.slice(2);
const adapters = builtinAdapters();
const loaded = await loadMapping(mappingFile!, adapters);
const { clearnox } = loaded.mapping;
const api = new ClearnoxClient({ baseUrl: clearnox.baseUrl, clientId: clearnox.clientId, clientSecret: clearnox.clientSecret });
const report = await runSync({ loaded, api, log: silentLogger });
await api.close();
reportResult({ status: report.status, attached: report.counts.entriesAttached, archives: report.counts.uploadedArchives });
