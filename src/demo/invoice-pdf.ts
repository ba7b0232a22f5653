// One-page A4 invoice or credit note, drawn with pdf-lib's standard Helvetica: nothing is
// embedded, so each file stays a few KiB and a few hundred of them build in a couple of seconds.
import { PDFDocument, PageSizes, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { SELLER, VAT_RATE_PERCENT, type ErpDocument } from './erp.js';

const GREY = rgb(0.45, 0.45, 0.45);
const ACCENT = rgb(0.11, 0.33, 0.55);

/** "1 234,56 €" with plain spaces: Intl's narrow no-break space is not in WinAnsi. */
function euros(cents: number): string {
  const abs = Math.abs(cents);
  const units = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${cents < 0 ? '-' : ''}${units},${String(abs % 100).padStart(2, '0')} €`;
}

function frenchDate(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

export async function renderDocumentPdf(doc: ErpDocument): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const title = doc.kind === 'invoice' ? 'FACTURE' : 'AVOIR';
  // Fixed metadata dates: pdf-lib would stamp "now" and the demo must rebuild identically.
  const stamp = new Date(`${doc.issueDate}T08:00:00Z`);
  pdf.setTitle(`${title === 'FACTURE' ? 'Facture' : 'Avoir'} ${doc.number}`);
  pdf.setAuthor(SELLER.name);
  pdf.setCreator('clearnox-sync demo');
  pdf.setProducer('pdf-lib');
  pdf.setCreationDate(stamp);
  pdf.setModificationDate(stamp);

  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const page = pdf.addPage(PageSizes.A4);
  const { width } = page.getSize();
  const text = (s: string, x: number, y: number, size = 10, font: PDFFont = regular, color = rgb(0, 0, 0)) =>
    page.drawText(s, { x, y, size, font, color });
  const right = (s: string, xRight: number, y: number, size = 10, font: PDFFont = regular) =>
    text(s, xRight - font.widthOfTextAtSize(s, size), y, size, font);

  text(SELLER.name, 50, 780, 16, bold, ACCENT);
  SELLER.address.forEach((l, i) => text(l, 50, 762 - i * 13, 10, regular, GREY));
  right(title, width - 50, 780, 22, bold);
  right(`N° ${doc.number}`, width - 50, 758, 11, bold);
  right(`Date : ${frenchDate(doc.issueDate)}`, width - 50, 743);
  if (doc.kind === 'invoice') right(`Échéance : ${frenchDate(doc.dueDate)}`, width - 50, 729);

  page.drawRectangle({ x: 320, y: 620, width: width - 370, height: 70, borderColor: GREY, borderWidth: 0.5 });
  text('Client', 330, 675, 8, regular, GREY);
  text(doc.customer.name, 330, 658, 11, bold);
  text(doc.customer.city, 330, 643);
  text(`Compte ${doc.customer.code}`, 330, 628, 8, regular, GREY);
  if (doc.creditedNumber) text(`Avoir sur la facture ${doc.creditedNumber}`, 50, 640, 10, bold);

  const y = drawLines(page, doc, regular, bold, width);
  const rows: Array<[string, number]> = [
    ['Total HT', doc.htCents],
    [`TVA ${VAT_RATE_PERCENT} %`, doc.vatCents],
    ['Total TTC', doc.ttcCents],
  ];
  rows.forEach(([label, cents], i) => {
    const last = i === rows.length - 1;
    right(label, width - 170, y - 30 - i * 16, 10, last ? bold : regular);
    right(euros(cents), width - 50, y - 30 - i * 16, 10, last ? bold : regular);
  });

  const footer = doc.kind === 'invoice'
    ? 'Pénalités de retard : trois fois le taux d\'intérêt légal. Indemnité forfaitaire pour frais de recouvrement : 40 €.'
    : 'Montant à déduire de votre prochain règlement.';
  text(footer, 50, 70, 7.5, regular, GREY);
  text(SELLER.legal, 50, 58, 7.5, regular, GREY);
  return pdf.save();
}

/** The line table; returns the y under its last row. */
function drawLines(page: PDFPage, doc: ErpDocument, regular: PDFFont, bold: PDFFont, width: number): number {
  const cols = { label: 50, qty: width - 215, unit: width - 130, total: width - 50 };
  let y = 580;
  page.drawRectangle({ x: 45, y: y - 5, width: width - 90, height: 18, color: rgb(0.93, 0.95, 0.97) });
  page.drawText('Désignation', { x: cols.label, y, size: 9, font: bold });
  const head = (s: string, xRight: number) =>
    page.drawText(s, { x: xRight - bold.widthOfTextAtSize(s, 9), y, size: 9, font: bold });
  head('Qté', cols.qty);
  head('PU HT', cols.unit);
  head('Total HT', cols.total);
  for (const line of doc.lines) {
    y -= 20;
    const cell = (s: string, xRight: number) =>
      page.drawText(s, { x: xRight - regular.widthOfTextAtSize(s, 9), y, size: 9, font: regular });
    page.drawText(line.label, { x: cols.label, y, size: 9, font: regular });
    cell(String(line.quantity), cols.qty);
    cell(euros(line.unitCents), cols.unit);
    cell(euros(line.quantity * line.unitCents), cols.total);
  }
  page.drawLine({ start: { x: 45, y: y - 10 }, end: { x: width - 45, y: y - 10 }, thickness: 0.5, color: GREY });
  return y - 10;
}
