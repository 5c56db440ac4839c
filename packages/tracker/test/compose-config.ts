/**
 * Reads `docker-compose config`'s output (the resolved compose file: anchors merged, profiles
 * applied) into plain objects. That output is PyYAML's block style with 2-space indents, lists
 * at their key's indent, maps or scalars in lists; this reads exactly that subset and throws on
 * anything else, so a change of format fails the test instead of being misread.
 */
export type ComposeValue = string | boolean | null | ComposeValue[] | { [key: string]: ComposeValue };

function scalar(text: string): string | boolean | null {
  const s = text.trim();
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  if (s.startsWith('"')) return JSON.parse(s) as string;
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === '' || s === 'null') return null;
  return s;
}

export function parseComposeConfig(text: string): { [key: string]: ComposeValue } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let i = 0;
  const indentOf = (line: string) => line.length - line.trimStart().length;
  const fail = (why: string): never => {
    throw new Error(`docker-compose config, line ${i + 1}: ${why}: ${JSON.stringify(lines[i])}`);
  };

  function list(indent: number): ComposeValue[] {
    const out: ComposeValue[] = [];
    while (i < lines.length && indentOf(lines[i]!) === indent && lines[i]!.trimStart().startsWith('- ')) {
      const item = lines[i]!.trimStart().slice(2);
      if (/^[^\s'"]+:( |$)/.test(item)) {
        // A map as a list item: its first key is on the dash's line, the others 2 deeper.
        lines[i] = `${' '.repeat(indent + 2)}${item}`;
        out.push(map(indent + 2));
        continue;
      }
      out.push(scalar(item));
      i++;
    }
    return out;
  }

  function map(indent: number): { [key: string]: ComposeValue } {
    const out: { [key: string]: ComposeValue } = {};
    while (i < lines.length && indentOf(lines[i]!) === indent) {
      const match = /^([^\s:'"][^:]*|'[^']*'):(?: (.*))?$/.exec(lines[i]!.trimStart());
      if (!match) fail('not a key');
      const key = String(scalar(match![1]!));
      i++;
      if (match![2] !== undefined) out[key] = match![2].startsWith('{') || match![2].startsWith('[') ? JSON.parse(match![2]) : scalar(match![2]);
      else if (i < lines.length && indentOf(lines[i]!) > indent) out[key] = map(indentOf(lines[i]!));
      else if (i < lines.length && indentOf(lines[i]!) === indent && lines[i]!.trimStart().startsWith('- ')) out[key] = list(indent);
      else out[key] = null;
    }
    if (i < lines.length && indentOf(lines[i]!) > indent) fail('unexpected indent');
    return out;
  }

  const root = map(0);
  if (i < lines.length) fail('unexpected line');
  return root;
}
