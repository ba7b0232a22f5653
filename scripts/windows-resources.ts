// What Windows says of the executable (Task Manager's description, the file's Properties):
// clearnox-sync and its version, not the Node.js of the binary it is made from.
import { readFile, writeFile } from 'node:fs/promises';

// resedit's own types pull the DOM library into the whole program (/// <reference lib="dom" />),
// which changes what Buffer and fetch accept everywhere: the few calls used are typed here, and
// the module is named through a variable so that TypeScript does not read its declarations.
interface Language {
  lang: number;
  codepage: number;
}
interface VersionInfo {
  getAllLanguagesForStringValues(): Language[];
  getStringValues(language: Language): Record<string, string>;
  setStringValues(language: Language, values: Record<string, string>): void;
  setFileVersion(major: number, minor: number, micro: number, revision: number): void;
  setProductVersion(major: number, minor: number, micro: number, revision: number): void;
  outputToResourceEntries(entries: unknown[]): void;
}
interface Executable {
  generate(): ArrayBuffer;
}
interface Resedit {
  NtExecutable: { from(bin: Buffer, options: { ignoreCert: boolean }): Executable };
  NtExecutableResource: { from(exe: Executable): { entries: unknown[]; outputResource(exe: Executable): void } };
  Resource: { VersionInfo: { fromEntries(entries: unknown[]): VersionInfo[] } };
}
const RESEDIT: string = 'resedit';
const load = async () => (await import(RESEDIT)) as Resedit;

export interface ProgramIdentity {
  version: string;
  description: string;
}

export async function setWindowsVersionInfo(file: string, id: ProgramIdentity): Promise<void> {
  // The certificate table is removed before (pe-signature.ts); nothing here would keep it valid.
  const { NtExecutable, NtExecutableResource, Resource } = await load();
  const exe = NtExecutable.from(await readFile(file), { ignoreCert: true });
  const res = NtExecutableResource.from(exe);
  const [info] = Resource.VersionInfo.fromEntries(res.entries);
  if (!info) throw new Error(`${file} has no version information to change`);
  const [major = 0, minor = 0, patch = 0] = id.version.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  for (const language of info.getAllLanguagesForStringValues()) {
    info.setStringValues(language, {
      ProductName: 'clearnox-sync',
      FileDescription: id.description,
      CompanyName: 'clearnox-sync',
      InternalName: 'clearnox-sync',
      OriginalFilename: 'clearnox-sync.exe',
      LegalCopyright: 'clearnox-sync: see LICENSE.txt; Node.js and the packages inside: see THIRD-PARTY-LICENSES.txt',
      FileVersion: id.version,
      ProductVersion: id.version,
    });
  }
  info.setFileVersion(major, minor, patch, 0);
  info.setProductVersion(major, minor, patch, 0);
  info.outputToResourceEntries(res.entries);
  res.outputResource(exe);
  await writeFile(file, Buffer.from(exe.generate()));
}

/** The string values of the version information, for the tests. */
export async function windowsVersionInfo(file: string): Promise<Record<string, string>> {
  const { NtExecutable, NtExecutableResource, Resource } = await load();
  const exe = NtExecutable.from(await readFile(file), { ignoreCert: true });
  const [info] = Resource.VersionInfo.fromEntries(NtExecutableResource.from(exe).entries);
  const [language] = info?.getAllLanguagesForStringValues() ?? [];
  return info && language ? info.getStringValues(language) : {};
}
