// Where a configured `root` can work, decided with the rules of the platform that will read it
// (path.win32 or path.posix, passed in so both are tested anywhere). A drive letter that is a
// mapped network drive works when the integrator tries it and fails under Task Scheduler, where
// the task's account has no mapped drives: that is told before it happens.

import { driveLetter, isUncPath, windowsOnlyPath } from '../windows-path.js';

/** Refuses a Windows root on a machine that cannot open it; null when the root can be tried. */
export function rootProblem(root: string, platform: NodeJS.Platform): string | null {
  const form = windowsOnlyPath(root, platform);
  if (form === 'share') {
    return (
      `documents.root "${root}" is a Windows share, which this ${platform} machine cannot open as a folder. ` +
      `Use type: smb with the same root (it reads the share itself), or mount the share and give the mount folder.`
    );
  }
  if (form === 'drive') {
    return `documents.root "${root}" is a Windows drive path; on this ${platform} machine give a folder of this machine, or use type: smb for a share.`;
  }
  return null;
}

/**
 * Advice about a drive-letter root on Windows. `resolved` is the root after the system resolved
 * it (fs.realpath.native turns a mapped drive into its \\server\share path).
 */
export function mappedDriveWarning(root: string, resolved: string | null, platform: NodeJS.Platform, systemDrive = 'C:'): string | null {
  if (platform !== 'win32') return null;
  const drive = driveLetter(root);
  if (!drive) return null;
  const advice =
    'a task run by Task Scheduler under another account, as SYSTEM, or "whether the user is logged on or not" does not see ' +
    "the mapped drives of the user's session";
  if (resolved && isUncPath(resolved)) {
    const unc = resolved.replace(/^\\\\\?\\UNC\\/i, '\\\\');
    return `documents.root uses the drive ${drive}:, which is the network share ${unc}: write root: ${unc} instead, since ${advice}.`;
  }
  if (`${drive}:` !== systemDrive.toUpperCase()) {
    return `documents.root uses the drive ${drive}:. If ${drive}: is a mapped network drive, write the share's UNC path (\\\\server\\share\\folder) instead, since ${advice}.`;
  }
  return null;
}
