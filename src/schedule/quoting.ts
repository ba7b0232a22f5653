// Each scheduler splits a command line by its own rules; a path with a space, a quote or a percent
// sign must come back to the program as the one argument it was.

/**
 * One argument as Windows programs split their command line (CommandLineToArgvW and the C
 * runtime): inside double quotes, backslashes are literal except before a quote, where each one
 * must be doubled. `always` quotes a path even without a space, so that a person reading the
 * task sees where it starts and ends.
 */
export function windowsArg(value: string, always = false): string {
  if (!always && value !== '' && !/[\s"]/.test(value)) return value;
  let out = '"';
  let backslashes = 0;
  for (const ch of value) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    out += ch === '"' ? '\\'.repeat(backslashes * 2 + 1) + '"' : '\\'.repeat(backslashes) + ch;
    backslashes = 0;
  }
  return out + '\\'.repeat(backslashes * 2) + '"';
}

/** A value in double quotes on a cmd.exe line (schtasks' /TN, /XML, /RU): quotes cannot be in it. */
export function cmdQuoted(value: string): string {
  return `"${value}"`;
}

/**
 * One word of an ExecStart= line: systemd reads C-style escapes in double quotes and expands
 * `%` specifiers and `$` variables, so each is doubled to stand for itself.
 */
export function systemdArg(value: string, always = false): string {
  const literal = value.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (!always && /^[A-Za-z0-9_./:=@+%$-]+$/.test(value)) return literal;
  return `"${literal.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A whole-line value of a unit file (WorkingDirectory=): only specifiers are special. */
export function systemdValue(value: string): string {
  return value.replaceAll('%', '%%');
}

/** One word for /bin/sh; plain words stay as they are unless `always`. */
export function shArg(value: string, always = false): string {
  if (!always && /^[A-Za-z0-9_./:=@+-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** One word of a crontab line: cron runs it with /bin/sh, after ending the command at an unescaped `%`. */
export function cronArg(value: string, always = true): string {
  return shArg(value, always).replaceAll('%', '\\%');
}

/** Text of an XML element. */
export function xmlText(value: string): string {
  return value.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
}

/** An XML attribute's value, in double quotes. */
export function xmlAttr(value: string): string {
  return xmlText(value).replaceAll('"', '&quot;');
}
