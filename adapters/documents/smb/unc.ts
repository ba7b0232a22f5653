// \\server\share\folder, written with either slash. The server and share are the connection,
// the folder is where store paths start.
export interface UncRoot {
  server: string;
  share: string;
  folder: string[];
}

export function parseUnc(root: string): UncRoot | null {
  const m = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)((?:[\\/]+[^\\/]*)*)$/.exec(root.trim());
  if (!m) return null;
  const folder = m[3]!.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (folder.includes('..')) return null;
  return { server: m[1]!, share: m[2]!, folder };
}
