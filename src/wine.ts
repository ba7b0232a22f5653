// Wine runs the Windows executable in this project's tests. It lacks the TCP keep-alive socket
// option that undici turns on for every connection, which then fails with "connect UNKNOWN";
// real Windows has it. Wine puts its own variables in every program's environment.
export function runningUnderWine(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'win32' && env['WINELOADER'] !== undefined && env['WINECONFIGDIR'] !== undefined;
}
