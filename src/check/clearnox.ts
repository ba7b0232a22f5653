// Clearnox, asked only what a run asks first: a token, and the first page of the entries without
// a document, whose totalItems is the count; nothing is sent.
import type { Entry } from '../clearnox/contract.js';
import { clientFor } from '../cli/context.js';
import type { Logger } from '../log.js';
import type { LoadedMapping } from '../mapping/schema.js';
import { abortKind } from '../pipeline/classify.js';
import type { CheckLine } from './lines.js';

/** Enough numbers to try the query on a few, per company when the page mixes them. */
const PAGE_SIZE = 100;

export interface ClearnoxCheck {
  lines: CheckLine[];
  /** The first page's entries (empty when Clearnox could not be asked). */
  entries: Entry[];
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function checkClearnox(loaded: LoadedMapping, log: Logger): Promise<ClearnoxCheck> {
  const { clearnox } = loaded.mapping;
  // One try: a check answers now; the run's repeats are for a night's passing outage.
  const client = clientFor({ ...loaded, mapping: { ...loaded.mapping, clearnox: { ...clearnox, retries: 0 } } }, log);
  const host = new URL(clearnox.baseUrl).host;
  const filters = { companyCode: clearnox.companyCode, dateFrom: clearnox.dateFrom, dateTo: clearnox.dateTo };
  try {
    const page = await client.getPage(1, Math.min(PAGE_SIZE, clearnox.pageSize), filters);
    const filtered = [
      ...(clearnox.companyCode ? [`company ${clearnox.companyCode}`] : []),
      ...(clearnox.dateFrom ? [`from ${clearnox.dateFrom}`] : []),
      ...(clearnox.dateTo ? [`to ${clearnox.dateTo}`] : []),
    ];
    const count = page.totalItems.toLocaleString('en-US');
    return {
      entries: page.data,
      lines: [
        { status: 'ok', title: 'Clearnox sign-in', found: `${host} gave a token to the client id ${clearnox.clientId}` },
        {
          status: 'ok',
          title: 'Clearnox entries',
          found: `${count} ${page.totalItems === 1 ? 'entry has' : 'entries have'} no document${filtered.length ? ` (${filtered.join(', ')})` : ''}`,
        },
      ],
    };
  } catch (e) {
    const kind = abortKind(e);
    const operation = (e as { operation?: string }).operation;
    const failed: CheckLine = { status: 'fail', title: operation === 'token' || kind === 'credentials' ? 'Clearnox sign-in' : 'Clearnox entries', found: messageOf(e), kind };
    const lines: CheckLine[] = failed.title === 'Clearnox entries' ? [{ status: 'ok', title: 'Clearnox sign-in', found: `${host} gave a token to the client id ${clearnox.clientId}` }, failed] : [failed];
    return { entries: [], lines };
  } finally {
    await client.close().catch(() => undefined);
  }
}
