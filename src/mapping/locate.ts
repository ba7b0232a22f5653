// Finds where a key path is written in the YAML text. A key that is missing is reported at the
// nearest parent that exists, which is where the person has to add it.
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position {
  line?: number;
  column?: number;
}

export function locate(doc: Document, lines: LineCounter, at: readonly PropertyKey[]): Position {
  let node: unknown = doc.contents;
  // The key's own position: for a section, the `key:` line rather than its first child's.
  let found: Node | null = null;
  for (const seg of at) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      found = isScalar(pair.key) ? pair.key : found;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      found = item as Node;
      node = item;
    } else {
      break;
    }
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return {};
  return { line: lines.linePos(offset).line };
}
