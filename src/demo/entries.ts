// The entries the Clearnox sandbox serves as "without document", drawn from the ERP documents,
// with the traps a real ledger holds: other spellings, numbers the ERP never issued,
// installments and VAT lines sharing one number.
import type { Entry } from '../clearnox/contract.js';
import { addDays, decimal, type Customer, type ErpDocument } from './erp.js';
import type { Prng } from './prng.js';

export interface ExpectedOutcome {
  /** Entry ids that must end with a document attached. */
  attachable: string[];
  /** The ERP has no row for the entry's number. */
  notFound: string[];
  /** The ERP row names a PDF that is not on disk. */
  fileMissing: string[];
  /** The file exists but is not a PDF. */
  invalidDocument: string[];
}

type Outcome = keyof ExpectedOutcome;

interface Draft {
  entry: Omit<Entry, 'id'>;
  /** ERP spelling (or the unknown number), for a stable order among same-day entries. */
  sortNumber: string;
  outcome: Outcome;
}

export interface EntryPlan {
  entries: Entry[];
  expected: ExpectedOutcome;
  /** ERP documents whose PDF the builder must leave out, or replace by a non-PDF. */
  missingFile: ErpDocument;
  corruptFile: ErpDocument;
}

export const COMPANY_CODE = 'DEMO-FR';
const SINGLE_DOCUMENTS = 101;
const INSTALLMENT_COUNTS = [3, 4, 2];

// Spellings Clearnox may hold for "FA-2024-00017"; each one is undone by trim + ignoreCase +
// removeInnerSpaces. "FA-2024 00017" is not among them: removing its space gives FA-202400017.
const SPELLINGS: Array<[count: number, respell: (n: string) => string]> = [
  [10, (n) => n.toLowerCase()],
  [5, (n) => n.replace(/-(\d+)$/, '- $1')],
  [3, (n) => n.replace(/-/g, ' - ')],
  [2, (n) => `${n} `],
  [1, (n) => ` ${n}`],
  [2, (n) => n.toLowerCase().replace(/-(\d+)$/, '- $1')],
];

function base(doc: ErpDocument): Pick<Entry, 'companyCode' | 'accountNumber' | 'accountName' | 'currency'> {
  return { companyCode: COMPANY_CODE, accountNumber: doc.customer.code, accountName: doc.customer.name, currency: 'EUR' };
}

function documentEntry(doc: ErpDocument, documentNumber = doc.number): Omit<Entry, 'id'> {
  const invoice = doc.kind === 'invoice';
  return {
    ...base(doc),
    documentNumber,
    type: invoice ? 'invoice' : 'credit_note',
    entryDate: doc.issueDate,
    // Ledgers often leave a credit note's due date empty; the API allows null.
    dueDate: invoice ? doc.dueDate : null,
    amount: decimal(invoice ? doc.ttcCents : -doc.ttcCents),
    journal: 'VE',
    label: `${invoice ? 'Facture' : 'Avoir'} ${doc.number}`,
  };
}

function installmentDrafts(doc: ErpDocument, count: number): Draft[] {
  const share = Math.floor(doc.ttcCents / count);
  return Array.from({ length: count }, (_, i) => ({
    entry: {
      ...documentEntry(doc),
      type: 'installment' as const,
      dueDate: addDays(doc.issueDate, 30 * (i + 1)),
      // The last installment takes the rounding remainder so that they add up to the total.
      amount: decimal(i === count - 1 ? doc.ttcCents - share * (count - 1) : share),
      label: `Facture ${doc.number} - échéance ${i + 1}/${count}`,
    },
    sortNumber: `${doc.number}#${i}`,
    outcome: 'attachable' as const,
  }));
}

function vatLineDrafts(doc: ErpDocument): Draft[] {
  const entry = documentEntry(doc);
  return [
    { entry: { ...entry, amount: decimal(doc.htCents), label: `Facture ${doc.number} HT` }, sortNumber: `${doc.number}#0`, outcome: 'attachable' },
    {
      entry: { ...entry, type: 'other', amount: decimal(doc.vatCents), label: `TVA collectée ${doc.number}` },
      sortNumber: `${doc.number}#1`,
      outcome: 'attachable',
    },
  ];
}

/** Numbers the ERP never issued: manual adjustments, and invoices from the system it replaced. */
function notFoundDrafts(rng: Prng, customers: Customer[], docs: ErpDocument[]): Draft[] {
  const drafts: Draft[] = [];
  const adjustments: Array<[label: string, cents: number]> = [
    ['Écart de règlement', -1250],
    ['Indemnité forfaitaire de recouvrement', 4000],
    ['Frais bancaires sur impayé', 1875],
  ];
  adjustments.forEach(([label, cents], i) => {
    const date = rng.pick(docs).issueDate;
    const customer = rng.pick(customers);
    const number = `OD-${date.slice(0, 4)}-${String(10 + 130 * i + rng.int(0, 120)).padStart(5, '0')}`;
    drafts.push({
      entry: {
        companyCode: COMPANY_CODE, accountNumber: customer.code, accountName: customer.name, currency: 'EUR',
        documentNumber: number, type: 'other', entryDate: date, dueDate: i === 1 ? addDays(date, 30) : null,
        amount: decimal(cents), journal: 'OD', label,
      },
      sortNumber: number,
      outcome: 'notFound',
    });
  });
  for (let i = 0; i < 3; i++) {
    const customer = rng.pick(customers);
    const date = `2023-${rng.pick(['10', '11', '12'])}-${String(rng.int(1, 28)).padStart(2, '0')}`;
    const number = `FA-2023-${String(1500 + 130 * i + rng.int(0, 120)).padStart(5, '0')}`;
    drafts.push({
      entry: {
        companyCode: COMPANY_CODE, accountNumber: customer.code, accountName: customer.name, currency: 'EUR',
        documentNumber: number, type: 'invoice', entryDate: date, dueDate: addDays(date, customer.paymentDays),
        amount: decimal(rng.int(200, 5000) * 100), journal: 'VE', label: `Facture ${number} (reprise ancien logiciel)`,
      },
      sortNumber: number,
      outcome: 'notFound',
    });
  }
  return drafts;
}

/** Keys in the order the API documents them, so that entries.json reads like an API answer. */
function inContractOrder(id: string, e: Omit<Entry, 'id'>): Entry {
  return {
    id, documentNumber: e.documentNumber, type: e.type, companyCode: e.companyCode, accountNumber: e.accountNumber,
    accountName: e.accountName, entryDate: e.entryDate, dueDate: e.dueDate, amount: e.amount, currency: e.currency,
    journal: e.journal, label: e.label,
  };
}

export function planEntries(rng: Prng, customers: Customer[], docs: ErpDocument[]): EntryPlan {
  // Installments are for the larger invoices, as in real life.
  const largest = docs.filter((d) => d.kind === 'invoice').sort((a, b) => b.ttcCents - a.ttcCents || a.id - b.id);
  const installmentDocs = rng.shuffle(largest.slice(0, 20)).slice(0, INSTALLMENT_COUNTS.length);
  const pool = rng.shuffle(docs.filter((d) => !installmentDocs.includes(d)));
  const takeInvoice = (): ErpDocument => pool.splice(pool.findIndex((d) => d.kind === 'invoice'), 1)[0]!;
  const vatDoc = takeInvoice();
  const missingFile = takeInvoice();
  const corruptFile = takeInvoice();
  const singles = pool.slice(0, SINGLE_DOCUMENTS);

  const respelled = new Map<ErpDocument, string>();
  let next = 0;
  const shuffledSingles = rng.shuffle(singles);
  for (const [count, respell] of SPELLINGS) {
    for (let i = 0; i < count; i++, next++) respelled.set(shuffledSingles[next]!, respell(shuffledSingles[next]!.number));
  }

  const drafts: Draft[] = [
    ...singles.map((d) => ({ entry: documentEntry(d, respelled.get(d)), sortNumber: d.number, outcome: 'attachable' as const })),
    ...installmentDocs.flatMap((d, i) => installmentDrafts(d, INSTALLMENT_COUNTS[i]!)),
    ...vatLineDrafts(vatDoc),
    { entry: documentEntry(missingFile), sortNumber: missingFile.number, outcome: 'fileMissing' },
    { entry: documentEntry(corruptFile), sortNumber: corruptFile.number, outcome: 'invalidDocument' },
    ...notFoundDrafts(rng, customers, docs),
  ];
  // Clearnox ids grow with the time the connector read the entry, with gaps (entries already
  // given a document are gone from the list).
  drafts.sort((a, b) => a.entry.entryDate.localeCompare(b.entry.entryDate) || a.sortNumber.localeCompare(b.sortNumber));
  let serial = rng.int(100, 150);
  const expected: ExpectedOutcome = { attachable: [], notFound: [], fileMissing: [], invalidDocument: [] };
  const entries = drafts.map((d) => {
    serial += rng.int(1, 6);
    const id = `ent_${String(serial).padStart(6, '0')}`;
    expected[d.outcome].push(id);
    return inContractOrder(id, d.entry);
  });
  return { entries, expected, missingFile, corruptFile };
}
