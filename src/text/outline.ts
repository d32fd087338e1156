/**
 * A file's outline: its header comment (what the file says it is), its headings, and the
 * names it declares. The search index boosts these over the body text, and the offline
 * research routine opens each file it cites with its header comment.
 */

export interface HeaderComment {
  /** 1-based number of the first line of the comment. */
  line: number;
  /** The comment's lines as written (markers kept), trimmed. */
  lines: string[];
  /** The comment's prose: markers removed, joined with spaces. */
  text: string;
}

/** Strips comment markers from one comment line. */
export function commentProse(line: string): string {
  return line
    .trim()
    .replace(/^(\/\*\*?|\*\/|\*|\/\/\/?|#+|"""|''')\s?/, '')
    .replace(/\s*\*\/$/, '')
    .trim();
}

function isMarkdown(path: string | undefined): boolean {
  return path !== undefined && /\.(md|markdown|mdx|rst|txt)$/i.test(path);
}

/**
 * The comment block at the top of a source file (after a shebang and blank lines), or for
 * Markdown the first paragraph after the title; undefined when the file has none.
 */
export function headerComment(text: string, path?: string): HeaderComment | undefined {
  const lines = text.split('\n');
  let i = 0;
  const skipBlank = () => {
    while (i < lines.length && lines[i]!.trim() === '') i++;
  };
  if (lines[0]?.startsWith('#!')) i = 1;
  skipBlank();
  if (isMarkdown(path)) {
    if (/^#\s/.test(lines[i] ?? '')) i++;
    skipBlank();
    const start = i;
    while (i < lines.length && lines[i]!.trim() !== '' && !/^(#|```|\||[-*] |\d+\. )/.test(lines[i]!.trim())) i++;
    return block(lines, start, i);
  }
  const first = (lines[i] ?? '').trim();
  const start = i;
  if (first.startsWith('/*')) {
    while (i < lines.length && !lines[i]!.includes('*/')) i++;
    return block(lines, start, Math.min(lines.length, i + 1));
  }
  const marker = /^(\/\/|#(?!!)|--)/.exec(first)?.[1];
  if (marker) {
    while (i < lines.length && lines[i]!.trim().startsWith(marker)) i++;
    return block(lines, start, i);
  }
  if (first.startsWith('"""') || first.startsWith("'''")) {
    const q = first.slice(0, 3);
    i++;
    if (!first.slice(3).includes(q)) while (i < lines.length && !lines[i]!.includes(q)) i++;
    return block(lines, start, Math.min(lines.length, i + (first.slice(3).includes(q) ? 0 : 1)));
  }
  return undefined;
}

function block(lines: string[], start: number, end: number): HeaderComment | undefined {
  const taken = lines.slice(start, end).map((l) => l.trim());
  const text = taken.map(commentProse).filter(Boolean).join(' ').trim();
  if (taken.length === 0 || text === '') return undefined;
  return { line: start + 1, lines: taken, text };
}

/** Markdown headings and declared names (functions, classes, types, constants). */
export function outlineOf(text: string, path?: string): string {
  const parts: string[] = [];
  const header = headerComment(text, path);
  if (header) parts.push(header.text);
  for (const m of text.matchAll(/^#{1,6}\s+(.+)$/gm)) parts.push(m[1]!);
  const decl = /\b(?:function\*?|class|interface|type|enum|const|let|var|def|fn|func|struct|trait)\s+([A-Za-z_$][\w$]*)/g;
  for (const m of text.matchAll(decl)) parts.push(m[1]!);
  return parts.join('\n');
}
