// The demo company's accounting (ERP) data: customers and sales documents, kept in memory so
// that the PDFs, the SQLite rows and the Clearnox entries are all drawn from one source.
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import type { Prng } from './prng.js';

export interface Customer {
  code: string;
  name: string;
  city: string;
  paymentDays: number;
}

export interface InvoiceLine {
  label: string;
  quantity: number;
  unitCents: number;
}

export interface ErpDocument {
  id: number;
  number: string;
  kind: 'invoice' | 'credit_note';
  customer: Customer;
  issueDate: string;
  dueDate: string;
  year: number;
  lines: InvoiceLine[];
  htCents: number;
  vatCents: number;
  ttcCents: number;
  /** Path under the PDF root, always ASCII and with `/`: what the ERP stores. */
  pdfFile: string;
  /** The invoice a credit note cancels part of. */
  creditedNumber?: string;
}

export const SELLER = {
  name: 'Clearnox Démo SAS',
  address: ['12 rue du Mail', '75002 Paris'],
  legal: 'SAS au capital de 50 000 € - RCS Paris 912 345 678 - TVA FR41 912345678',
};

export const VAT_RATE_PERCENT = 20;

// Several names carry accents on purpose: they reach the PDFs and Clearnox's accountName.
const CUSTOMERS: ReadonlyArray<[code: string, name: string, city: string]> = [
  ['411DUPONT', 'Dupont SARL', 'Lyon'],
  ['411MARTIN', 'Martin & Associés SAS', 'Paris'],
  ['411LEFEVRE', 'Établissements Lefèvre & Fils', 'Lille'],
  ['411BERNARD', 'Bernard Bâtiment EURL', 'Nantes'],
  ['411DUBOIS', 'Dubois Logistique SAS', 'Marseille'],
  ['411MOREAU', 'Moreau Conseil SARL', 'Bordeaux'],
  ['411LAURENT', 'Laurent Électricité SARL', 'Toulouse'],
  ['411SIMON', 'Simon Transports SAS', 'Rennes'],
  ['411MICHEL', 'Garage Michel EURL', 'Dijon'],
  ['411GARCIA', 'Garcia Import Export SARL', 'Perpignan'],
  ['411DAVID', 'David Informatique SAS', 'Grenoble'],
  ['411BERTRAND', 'Bertrand Agencement SARL', 'Angers'],
  ['411ROUX', 'Pâtisserie Roux EURL', 'Strasbourg'],
  ['411VINCENT', 'Vincent Immobilier SAS', 'Nice'],
  ['411FOURNIER', 'Fournier Distribution SA', 'Reims'],
  ['411MOREL', 'Menuiserie Morel SARL', 'Tours'],
  ['411GIRARD', 'Girard Paysage EURL', 'Montpellier'],
  ['411ANDRE', 'Cabinet André SELARL', 'Clermont-Ferrand'],
  ['411MERCIER', 'Mercier Textile SAS', 'Roubaix'],
  ['411BLANC', 'Blanc Optique SARL', 'Annecy'],
  ['411GUERIN', 'Guérin Plomberie EURL', 'Caen'],
  ['411BOYER', 'Boyer Agroalimentaire SAS', 'Quimper'],
  ['411CHEVALIER', 'Chevalier Sécurité SAS', 'Metz'],
  ['411FRANCOIS', 'Hôtel François SARL', 'Avignon'],
  ['411LEGRAND', 'Legrand Médical SAS', 'Limoges'],
  ['411GAUTHIER', 'Imprimerie Gauthier SARL', 'Le Mans'],
  ['411PERRIN', 'Perrin Automobiles SAS', 'Saint-Étienne'],
  ['411ROUSSEL', 'Café Roussel EURL', 'Rouen'],
  ['411HENRY', 'Henry Énergies SAS', 'Orléans'],
  ['411MATHIEU', 'Mathieu Architecture SARL', 'Aix-en-Provence'],
];

const CATALOGUE: ReadonlyArray<[label: string, minEuros: number, maxEuros: number, maxQty: number]> = [
  ['Contrat de maintenance informatique (mois)', 180, 450, 3],
  ['Journée de conseil', 650, 950, 5],
  ['Licence logiciel de gestion (utilisateur/an)', 120, 360, 12],
  ['Formation utilisateurs (demi-journée)', 390, 590, 4],
  ['Ordinateur portable 14 pouces', 890, 1390, 6],
  ['Écran 27 pouces', 219, 329, 8],
  ['Installation et paramétrage', 250, 600, 2],
  ['Frais de déplacement', 45, 120, 4],
  ['Hébergement serveur (mois)', 89, 249, 3],
  ['Câblage réseau (forfait)', 300, 900, 1],
];

const DAY_MS = 86_400_000;

export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function businessDays(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const weekday = new Date(`${d}T00:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) out.push(d);
  }
  return out;
}

export function generateCustomers(rng: Prng): Customer[] {
  return CUSTOMERS.map(([code, name, city]) => ({ code, name, city, paymentDays: rng.pick([30, 45, 60]) }));
}

function totals(lines: InvoiceLine[]): { htCents: number; vatCents: number; ttcCents: number } {
  const htCents = lines.reduce((sum, l) => sum + l.quantity * l.unitCents, 0);
  const vatCents = Math.round((htCents * VAT_RATE_PERCENT) / 100);
  return { htCents, vatCents, ttcCents: htCents + vatCents };
}

/** About `perYear` sales documents a year, 2024 and 2025, numbered per year and kind as French ERPs do. */
export function generateDocuments(rng: Prng, customers: Customer[], perYear = 150): ErpDocument[] {
  const docs: ErpDocument[] = [];
  for (const year of [2024, 2025]) {
    const days = businessDays(`${year}-01-02`, `${year}-12-19`);
    const dates = Array.from({ length: perYear }, () => rng.pick(days)).sort();
    let invoiceSeq = 0;
    let creditSeq = 0;
    for (const issueDate of dates) {
      const earlierInvoices = docs.filter((d) => d.kind === 'invoice').slice(-40);
      const isCredit = earlierInvoices.length > 10 && rng.chance(0.1);
      let doc: Omit<ErpDocument, 'id' | 'pdfFile' | 'htCents' | 'vatCents' | 'ttcCents'>;
      if (isCredit) {
        const credited = rng.pick(earlierInvoices);
        const base = credited.lines[0]!;
        const reason = rng.pick(['Remise commerciale', 'Retour de marchandise', 'Erreur de facturation']);
        doc = {
          number: `AV-${year}-${String(++creditSeq).padStart(5, '0')}`,
          kind: 'credit_note',
          customer: credited.customer,
          issueDate,
          dueDate: issueDate,
          year,
          lines: [{ label: `${reason} - ${base.label}`, quantity: 1, unitCents: Math.round(base.unitCents * rng.int(10, 60) / 100) }],
          creditedNumber: credited.number,
        };
      } else {
        const customer = rng.pick(customers);
        const lines = rng.shuffle(CATALOGUE).slice(0, rng.int(1, 4)).map(([label, min, max, maxQty]) => ({
          label,
          quantity: rng.int(1, maxQty),
          unitCents: rng.int(min, max) * 100 + rng.pick([0, 0, 50, 90]),
        }));
        doc = {
          number: `FA-${year}-${String(++invoiceSeq).padStart(5, '0')}`,
          kind: 'invoice',
          customer,
          issueDate,
          dueDate: addDays(issueDate, customer.paymentDays),
          year,
          lines,
        };
      }
      const month = issueDate.slice(5, 7);
      docs.push({ ...doc, ...totals(doc.lines), id: docs.length + 1, pdfFile: `${year}/${month}/${doc.number}.pdf` });
    }
  }
  return docs;
}

/** Cents as the decimal string the API and the ERP use: -12345 -> "-123.45". */
export function decimal(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const SCHEMA = `
CREATE TABLE customers (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  city TEXT NOT NULL
);
CREATE TABLE invoices (
  id INTEGER PRIMARY KEY,
  number TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  customer_code TEXT NOT NULL REFERENCES customers(code),
  issue_date TEXT NOT NULL,
  due_date TEXT NOT NULL,
  amount_ttc TEXT NOT NULL,   -- decimal as text, as many ERPs export money, never a float
  currency TEXT NOT NULL DEFAULT 'EUR',
  year INTEGER NOT NULL,
  pdf_file TEXT NOT NULL      -- relative to the PDF share
);
CREATE INDEX invoices_customer ON invoices(customer_code);
`;

export async function writeErpDatabase(file: string, customers: Customer[], docs: ErpDocument[]): Promise<void> {
  const db = await openSqlite(file, { create: true });
  try {
    db.exec(SCHEMA);
    const insertCustomer = db.prepare('INSERT INTO customers (code, name, city) VALUES (?, ?, ?)');
    const insertInvoice = db.prepare(
      `INSERT INTO invoices (id, number, kind, customer_code, issue_date, due_date, amount_ttc, currency, year, pdf_file)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'EUR', ?, ?)`,
    );
    // One transaction: a few hundred autocommits would cost a second of fsyncs.
    db.transaction(() => {
      for (const c of customers) insertCustomer.run(c.code, c.name, c.city);
      for (const d of docs) {
        insertInvoice.run(d.id, d.number, d.kind, d.customer.code, d.issueDate, d.dueDate, decimal(d.ttcCents), d.year, d.pdfFile);
      }
    });
  } finally {
    db.close();
  }
}
