// Enough of each database's lexical rules to tell code from strings, quoted names and comments.
// The guard (sql-guard.ts) reads only the code; where this reading and the server's differ, a
// statement hidden in what looks like a string or a comment would reach the server unchecked,
// so each rule follows the server's own scanner: MySQL's `-- ` needs a space and `#` starts a
// comment, its executable comments (`/*!` up to the closing star-slash) are code; PostgreSQL and SQL Server nest block comments; PostgreSQL
// has $tag$ and E'' strings; SQL Server's [names] may hold quotes.

export type SqlDialect = 'sqlite' | 'postgres' | 'mysql' | 'mssql';

export interface Token {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct';
  text: string;
  /** Parentheses open around the token (for `(` and `)`, outside them). */
  depth: number;
}

export interface Lexed {
  tokens: Token[];
  /** What runs to the end of the query without being closed: a string, a comment, ... */
  unclosed?: string;
  /** Parentheses closed that were never opened, or left open. */
  unbalanced?: boolean;
}

interface Rules {
  dialect: SqlDialect;
  /** `\` escapes the next character in '...' (and, on MySQL, "...") strings. */
  backslash: boolean;
  nestedComments: boolean;
  hashComments: boolean;
  /** MySQL: `--` starts a comment only when a space or control character follows. */
  dashNeedsSpace: boolean;
  /** MySQL/MariaDB: executable comments, opened by `/*!` or `/*M!`, are run as code. */
  executableComments: boolean;
  dollarQuotes: boolean;
  brackets: 'doubled' | 'plain' | null;
  backticks: boolean;
  wordStart: RegExp;
  wordPart: RegExp;
}

const BASE = { backslash: false, nestedComments: false, hashComments: false, dashNeedsSpace: false, executableComments: false, dollarQuotes: false, brackets: null, backticks: false };
const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * The ways the server may read the query. MySQL reads `\'` as a quote inside a string, unless the
 * server runs with NO_BACKSLASH_ESCAPES (or ANSI_QUOTES for "..."), which this side cannot know:
 * the query is read both ways and must pass both.
 */
export function readings(dialect: SqlDialect): Rules[] {
  switch (dialect) {
    case 'postgres':
      return [{ ...BASE, dialect, nestedComments: true, dollarQuotes: true, wordStart: WORD_START, wordPart: WORD_PART }];
    case 'mssql':
      return [{ ...BASE, dialect, nestedComments: true, brackets: 'doubled', wordStart: /[A-Za-z_@#\u0080-\uffff]/, wordPart: /[A-Za-z0-9_@#$\u0080-\uffff]/ }];
    case 'sqlite':
      return [{ ...BASE, dialect, brackets: 'plain', backticks: true, wordStart: WORD_START, wordPart: WORD_PART }];
    case 'mysql': {
      const mysql = { ...BASE, dialect, hashComments: true, dashNeedsSpace: true, executableComments: true, backticks: true, wordStart: WORD_START, wordPart: WORD_PART };
      return [
        { ...mysql, backslash: true },
        { ...mysql, backslash: false },
      ];
    }
  }
}

export function lex(sql: string, rules: Rules): Lexed {
  const tokens: Token[] = [];
  let depth = 0;
  let unbalanced = false;
  let executable = false;
  let i = 0;
  const push = (kind: Token['kind'], text: string) => tokens.push({ kind, text, depth });
  const quoted = (kind: Token['kind'], close: string, escapes: { doubled: boolean; backslash: boolean }, what: string): string | null => {
    let j = i + 1;
    for (;;) {
      const c = sql[j];
      if (c === undefined) return what;
      if (escapes.backslash && c === '\\') j += 2;
      else if (c === close && escapes.doubled && sql[j + 1] === close) j += 2;
      else if (c === close) break;
      else j += 1;
    }
    push(kind, sql.slice(i, j + 1));
    i = j + 1;
    return null;
  };

  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    let unclosed: string | null = null;
    if (/\s/.test(c)) {
      i += 1;
    } else if ((c === '-' && next === '-' && (!rules.dashNeedsSpace || sql.charCodeAt(i + 2) <= 32 || i + 2 >= sql.length)) || (c === '#' && rules.hashComments)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      const run = rules.executableComments ? /^\/\*M?!\d*/.exec(sql.slice(i, i + 12)) : null;
      if (run && !executable) {
        executable = true;
        i += run[0].length;
      } else {
        const end = blockCommentEnd(sql, i, rules.nestedComments);
        if (end < 0) unclosed = 'a comment (/* without its end)';
        else i = end;
      }
    } else if (c === '*' && next === '/' && executable) {
      executable = false;
      i += 2;
    } else if (c === "'") {
      unclosed = quoted('string', "'", { doubled: true, backslash: rules.backslash }, 'a string');
    } else if (c === '"') {
      unclosed = quoted('quoted', '"', { doubled: true, backslash: rules.backslash && rules.dialect === 'mysql' }, 'a "quoted" name or string');
    } else if (c === '`' && rules.backticks) {
      unclosed = quoted('quoted', '`', { doubled: true, backslash: false }, 'a `quoted` name');
    } else if (c === '[' && rules.brackets) {
      unclosed = quoted('quoted', ']', { doubled: rules.brackets === 'doubled', backslash: false }, 'a [bracketed] name');
    } else if (c === '$' && rules.dollarQuotes && !/[0-9]/.test(next ?? '')) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 200))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        if (end < 0) unclosed = `a ${tag}-quoted string`;
        else {
          push('string', sql.slice(i, end + tag.length));
          i = end + tag.length;
        }
      } else {
        push('punct', c);
        i += 1;
      }
    } else if (c === ':' && next === ':') {
      push('punct', '::');
      i += 2;
    } else if ((c === ':' || c === '$') && next !== undefined && /[A-Za-z0-9_]/.test(next)) {
      const name = /^.[A-Za-z0-9_]+/.exec(sql.slice(i))![0];
      push('param', name);
      i += name.length;
    } else if (rules.wordStart.test(c)) {
      let j = i + 1;
      while (j < sql.length && rules.wordPart.test(sql[j]!)) j += 1;
      const word = sql.slice(i, j);
      if (rules.dialect === 'postgres' && (word === 'E' || word === 'e') && sql[j] === "'") {
        // E'...': PostgreSQL's string with backslash escapes.
        i = j;
        unclosed = quoted('string', "'", { doubled: true, backslash: true }, 'a string');
      } else {
        push('word', word);
        i = j;
      }
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next ?? ''))) {
      const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i))![0];
      push('number', number);
      i += number.length;
    } else if (c === '(') {
      push('punct', c);
      depth += 1;
      i += 1;
    } else if (c === ')') {
      depth -= 1;
      if (depth < 0) unbalanced = true;
      push('punct', c);
      i += 1;
    } else {
      push('punct', c);
      i += 1;
    }
    if (unclosed) return { tokens, unclosed };
  }
  if (executable) return { tokens, unclosed: 'an executable comment (/*! without its end)' };
  return { tokens, ...(unbalanced || depth !== 0 ? { unbalanced: true } : {}) };
}

/** Index just past the end of the block comment opened at `start`, or -1. */
function blockCommentEnd(sql: string, start: number, nested: boolean): number {
  let level = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i) && (nested || level === 0)) {
      level += 1;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      level -= 1;
      i += 2;
      if (level === 0) return i;
    } else i += 1;
  }
  return -1;
}
