/** A small file that passes the contract's PDF check, with a body that tells files apart. */
export function fakePdf(label: string, padTo = 0): Buffer {
  const body = `%PDF-1.4\n% ${label}\n`;
  return Buffer.concat([Buffer.from(body, 'utf8'), Buffer.alloc(Math.max(0, padTo - Buffer.byteLength(body)), 0x20)]);
}
