// Paths only Windows can open: a drive letter (D:\ERP) or a share (\\FILESRV\Factures). Elsewhere
// Node takes them for relative names, and joined to the mapping file's folder they would name a
// file nobody meant; the keys that take a path refuse them instead.

const DRIVE = /^([a-zA-Z]):(?:[\\/]|$)/;
const UNC = /^[\\/]{2}[^\\/]+[\\/][^\\/]+/;

/** 'share' or 'drive' for a path this platform cannot open; null when it can be tried. */
export function windowsOnlyPath(p: string, platform: NodeJS.Platform): 'share' | 'drive' | null {
  if (platform === 'win32') return null;
  if (isUncPath(p)) return 'share';
  if (DRIVE.test(p)) return 'drive';
  return null;
}

/** The drive letter a path starts with (upper case), or undefined. */
export function driveLetter(p: string): string | undefined {
  return DRIVE.exec(p)?.[1]?.toUpperCase();
}

/** \\server\share\..., with either slash. */
export function isUncPath(p: string): boolean {
  return UNC.test(p);
}
