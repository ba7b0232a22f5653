// Fills a template's values in its own text: its comments are what teaches the next person the
// file, so the text is edited through the YAML library's concrete syntax tree, which keeps every
// comment, blank line and column as written, and quotes a value only when YAML needs it.
import { pathToFileURL } from 'node:url';
import { Composer, CST, isMap, Parser, type Document } from 'yaml';

export type KeyPath = [string, string];

export interface Filled {
  at: KeyPath;
  value: string | number;
  /** The trailing comment to write instead of the template's (its CHANGE mark goes either way). */
  comment?: string;
}

type Item = CST.BlockMap['items'][number];

function itemAt(doc: Document.Parsed, at: KeyPath): Item | undefined {
  const parent = doc.getIn([at[0]], true);
  if (!isMap(parent)) return undefined;
  const token = parent.srcToken;
  if (token?.type !== 'block-map') return undefined;
  return token.items.find((i) => i.key && CST.isScalar(i.key) && i.key.source === at[1]);
}

/** Whether the template has this key with a plain value that init can fill. */
export function hasKey(text: string, at: KeyPath): boolean {
  const { docs } = parse(text);
  const item = docs[0] && itemAt(docs[0], at);
  return Boolean(item?.value && CST.isScalar(item.value) && item.value.type !== 'block-scalar');
}

/** The template's value at a key, as text (a default to offer). */
export function valueIn(text: string, at: KeyPath): string | undefined {
  const { docs } = parse(text);
  const v = docs[0]?.getIn(at);
  return v === undefined || v === null ? undefined : String(v);
}

function parse(text: string): { tokens: CST.Token[]; docs: Document.Parsed[] } {
  const tokens = [...new Parser().parse(text)];
  const docs = [...new Composer({ keepSourceTokens: true }).compose(tokens)] as Document.Parsed[];
  return { tokens, docs };
}

const dropChangeMark = (comment: string) =>
  comment
    .replace(/^#\s*CHANGE\b:?\s*/, '# ')
    .replace(/^# \((.*)\)$/, '# $1')
    .replace(/^#\s*$/, '');

/**
 * The template's text with `values` put in, the schema line pointing to `schemaFile`, and each
 * filled key's CHANGE mark removed (from its own line and the comment just above it).
 */
export function fillTemplate(text: string, values: Filled[], schemaFile: string): string {
  const { tokens, docs } = parse(text);
  const doc = docs[0];
  if (!doc) throw new Error('the template holds no YAML document');
  for (const { at, value, comment } of values) {
    const item = itemAt(doc, at);
    if (!item?.value || !CST.isScalar(item.value)) throw new Error(`the template has no value at ${at.join('.')}`);
    const token = item.value;
    const before = token.source.length;
    CST.setScalarValue(token, String(value), { afterKey: true });
    const end = 'end' in token && token.end ? token.end : [];
    const at0 = end.findIndex((t) => t.type === 'comment');
    if (at0 >= 0) {
      const c = end[at0]!;
      c.source = comment === undefined ? dropChangeMark(c.source) : `# ${comment}`;
      const space = end[at0 - 1];
      if (space?.type === 'space') {
        // The comment stays in its column when the value leaves room.
        const grown = token.source.length - before;
        space.source = ' '.repeat(Math.max(1, space.source.length - grown));
        if (c.source === '') space.source = '';
      }
    }
    for (const t of item.start) if (t.type === 'comment') t.source = t.source.replace(/^#\s*CHANGE\b:?\s*/, '# ');
  }
  const out = tokens.map((t) => CST.stringify(t)).join('');
  const schemaLine = `# yaml-language-server: $schema=${pathToFileURL(schemaFile).href}`;
  return /^# yaml-language-server:.*$/m.test(out.split('\n')[0]!) ? out.replace(/^.*/, schemaLine) : `${schemaLine}\n${out}`;
}

/** The lines still marked CHANGE, for the person to look at: `line: text`. */
export function changeMarks(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l, i) => ({ l, n: i + 1 }))
    .filter(({ l }) => /#\s*CHANGE\b/.test(l) && !/every line marked CHANGE/.test(l))
    .map(({ l, n }) => `${n}: ${l.trim()}`);
}
