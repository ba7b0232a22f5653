// node.exe is signed by the Node.js project; injecting the program changes the file, so that
// signature would only be a broken one (signtool remove /s, which Node's documentation suggests,
// does not run on Linux). This removes the certificate table as signtool does.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';

const PE32_PLUS = 0x20b;

interface CertificateTable {
  /** Where its data directory entry is, and where the optional header's checksum is. */
  entryAt: number;
  checksumAt: number;
  offset: number;
  size: number;
}

function certificateTableOf(fd: number, file: string): CertificateTable {
  const read = (offset: number, length: number) => {
    const b = Buffer.alloc(length);
    if (readSync(fd, b, 0, length, offset) !== length) throw new Error(`${file}: truncated PE header`);
    return b;
  };
  const peOffset = read(0x3c, 4).readUInt32LE(0);
  if (read(peOffset, 4).toString('latin1') !== 'PE\0\0') throw new Error(`${file} is not a PE file`);
  const optional = peOffset + 24;
  if (read(optional, 2).readUInt16LE(0) !== PE32_PLUS) throw new Error(`${file} is not a 64-bit PE file`);
  // Data directory 4 (certificate table) of a PE32+ optional header: a file offset and a size.
  const entryAt = optional + 112 + 4 * 8;
  const dir = read(entryAt, 8);
  return { entryAt, checksumAt: optional + 64, offset: dir.readUInt32LE(0), size: dir.readUInt32LE(4) };
}

/** Size in bytes of the file's signature (its certificate table); 0 when it has none. */
export function peSignatureSize(file: string): number {
  const fd = openSync(file, 'r');
  try {
    return certificateTableOf(fd, file).size;
  } finally {
    closeSync(fd);
  }
}

export function removePeSignature(file: string): { removedBytes: number } {
  const fd = openSync(file, 'r+');
  try {
    const { entryAt: securityDir, checksumAt: checksum, offset, size } = certificateTableOf(fd, file);
    if (offset === 0 || size === 0) return { removedBytes: 0 };
    const length = fstatSync(fd).size;
    if (offset + size !== length) throw new Error(`${file}: the certificate table is not at the end of the file; not removed`);
    writeSync(fd, Buffer.alloc(8), 0, 8, securityDir);
    // Only drivers need a correct checksum; 0 is what linkers write for programs.
    writeSync(fd, Buffer.alloc(4), 0, 4, checksum);
    ftruncateSync(fd, offset);
    return { removedBytes: size };
  } finally {
    closeSync(fd);
  }
}
