// The invoice rows of the test ERPs: many plain numbers, and the ones that trip a look-up up
// (quotes, backslashes, accents, no path, another year). No server here: unit tests use it too.
export interface InvoiceRow {
  number: string;
  pdf: string | null;
  year?: number;
  issued?: string;
}

export const BULK = 3000;

export function standardRows(): InvoiceRow[] {
  const rows: InvoiceRow[] = [];
  for (let i = 1; i <= BULK; i++) rows.push({ number: `FA-${String(i).padStart(5, '0')}`, pdf: `2024/FA-${i}.pdf`, year: 2024, issued: '2024-03-05' });
  rows.push(
    { number: "O'BRIEN-1", pdf: 'quote.pdf' },
    { number: 'FA\\1', pdf: 'backslash.pdf' },
    { number: 'ÉTÉ-1', pdf: 'été/ÉTÉ-1.pdf' },
    { number: 'FA-NOPATH', pdf: null },
    { number: 'FA-OLD', pdf: 'old.pdf', year: 2019 },
  );
  return rows;
}
