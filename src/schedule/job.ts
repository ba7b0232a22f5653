// What a scheduler starts: this same program, by absolute paths, for one mapping file, each run
// keeping its own report and a log in the mapping file's folder.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { isExecutable } from '../install.js';

export interface ScheduledJob {
  /** The executable the scheduler starts. */
  command: string;
  /** Its arguments, each one word (quoted by each scheduler's rules when written). */
  args: string[];
  /** The mapping file's folder: relative paths of the mapping file are read from there too. */
  workingDirectory: string;
  configFile: string;
  reportFile: string;
  logDir: string;
}

export interface Program {
  command: string;
  /** What precedes the command's own arguments: the script Node runs, for the npm form. */
  leadingArgs: string[];
}

/** This program as started now: the single executable itself, or Node with the script it runs. */
export function thisProgram(): Program {
  if (isExecutable()) return { command: process.execPath, leadingArgs: [] };
  const script = process.argv[1] ? realpathSync(process.argv[1]) : '';
  return { command: process.execPath, leadingArgs: [script] };
}

/** `configFile` is absolute; `paths` is the platform's path module, so Windows paths stay Windows paths. */
export function scheduledJob(program: Program, configFile: string, paths: path.PlatformPath = path): ScheduledJob {
  const folder = paths.dirname(configFile);
  // {timestamp} is expanded by the run itself: one report per run, none overwritten.
  const reportFile = paths.join(folder, 'reports', 'run-{timestamp}.json');
  const logDir = paths.join(folder, 'logs');
  return {
    command: program.command,
    args: [...program.leadingArgs, 'run', '--config', configFile, '--report', reportFile, '--log-dir', logDir],
    workingDirectory: folder,
    configFile,
    reportFile,
    logDir,
  };
}

/** A value (a path), rather than the command word or an option's name: quoted even without a space. */
export function isValueArg(arg: string): boolean {
  return !/^(?:run|--[a-z][a-z-]*)$/.test(arg);
}
