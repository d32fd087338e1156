/**
 * The offline model's findings format: passages quoted verbatim from source files, each
 * under a `path:line` citation, grouped by file. The research routine renders it, the
 * writing routine and the synthesis parse it back, so every quote travels unchanged from
 * the tool result to the final report.
 *
 *     ### `src/retry.ts`
 *     - `src/retry.ts:1-4` (header comment)
 *       ```ts
 *       /**
 *       ...
 *       ```
 *     - `src/retry.ts:23-27`
 *       ```ts
 *       ...
 *       ```
 */
import { commentProse } from '../../text/outline.js';

/** A gist shorter than this takes the next sentence too. */
const MIN_GIST_CHARS = 40;

/** Lines quoted verbatim from one file. */
export interface Passage {
  path: string;
  /** 1-based first and last line. */
  start: number;
  end: number;
  /** The lines start..end as they are in the file (trailing spaces trimmed). */
  lines: string[];
  /** True for the file's header comment. */
  header?: boolean;
}

/** A file's findings: its header comment (if it has one) and its passages, best first. */
export interface FileFindings {
  path: string;
  header?: Passage;
  passages: Passage[];
}

/** The citation of a line range: `path:12` or `path:12-15`. */
export function citation(p: { path: string; start: number; end: number }): string {
  return `${p.path}:${p.start}${p.end > p.start ? `-${p.end}` : ''}`;
}

/** A code span that survives any backticks inside the text (CommonMark rules). */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Quoted text for a Markdown line: plain when no Markdown formatter or renderer could
 * change it, a code span otherwise (a quote must stay byte-for-byte what the file says).
 */
export function inlineQuote(text: string): string {
  // Code spans and intraword underscores (E_INTERNAL) render and format as written.
  const rest = text.replace(/`[^`]+`/g, 'x').replace(/(?<=[\p{L}\p{N}])_(?=[\p{L}\p{N}])/gu, 'x');
  return /^[\w"'(][^*_<>[\]\\|~#`]*$/.test(rest) && !/^\d+[.)]\s/.test(text) ? text : codeSpan(text);
}

const FENCE_LANG: Record<string, string> = {
  ts: 'ts', tsx: 'tsx', js: 'js', mjs: 'js', cjs: 'js', jsx: 'jsx', py: 'python', go: 'go', rs: 'rust', rb: 'ruby',
  java: 'java', kt: 'kotlin', c: 'c', h: 'c', cpp: 'cpp', cs: 'csharp', sh: 'sh', bash: 'sh', json: 'json', yml: 'yaml', yaml: 'yaml', toml: 'toml', sql: 'sql',
};

/** A fence language for a path; Markdown and unknown files get "text", so no formatter rewrites them. */
function fenceLang(path: string): string {
  return FENCE_LANG[/\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? ''] ?? 'text';
}

/** Renders one passage as a list item: its citation, then its lines in a fence. */
export function renderPassage(p: Passage, indent = ''): string[] {
  const longest = Math.max(2, ...p.lines.map((l) => /^\s*(`+|~+)/.exec(l)?.[1]?.length ?? 0));
  const fence = '`'.repeat(longest + 1);
  const minIndent = Math.min(...p.lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length));
  const body = p.lines.map((l) => `${indent}  ${l.slice(Number.isFinite(minIndent) ? minIndent : 0)}`.trimEnd());
  const label = p.header ? (/\.(md|markdown|mdx|txt|rst)$/i.test(p.path) ? ' (opening paragraph)' : ' (header comment)') : '';
  return [`${indent}- \`${citation(p)}\`${label}`, `${indent}  ${fence}${fenceLang(p.path)}`, ...body, `${indent}  ${fence}`];
}

/** Renders a file's findings under a heading of the given level. */
export function renderFile(f: FileFindings, level: number): string[] {
  const out = [`${'#'.repeat(level)} \`${f.path}\``, ''];
  if (f.header) out.push(...renderPassage(f.header));
  for (const p of f.passages) out.push(...renderPassage(p));
  out.push('');
  return out;
}

/** Reads every passage back out of Markdown in the findings format (any heading level). */
export function parseFindings(markdown: string): FileFindings[] {
  const files = new Map<string, FileFindings>();
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const cite = /^\s*- `([^`\s]+):(\d+)(?:-(\d+))?`( \((?:header comment|opening paragraph)\))?\s*$/.exec(lines[i]!);
    if (!cite) continue;
    const open = /^\s*(`{3,}|~{3,})/.exec(lines[i + 1] ?? '');
    if (!open) continue;
    const body: string[] = [];
    let j = i + 2;
    while (j < lines.length && !new RegExp(`^\\s*${open[1]}\\s*$`).test(lines[j]!)) body.push(lines[j++]!);
    const path = cite[1]!;
    const start = Number(cite[2]);
    const p: Passage = { path, start, end: cite[3] ? Number(cite[3]) : start, lines: dedent(body), ...(cite[4] ? { header: true } : {}) };
    const f = files.get(path) ?? { path, passages: [] };
    if (p.header && !f.header) f.header = p;
    else if (!f.passages.some((q) => q.start === p.start && q.end === p.end)) f.passages.push(p);
    files.set(path, f);
    i = j;
  }
  return [...files.values()];
}

function dedent(lines: string[]): string[] {
  const min = Math.min(...lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length));
  return lines.map((l) => (Number.isFinite(min) ? l.slice(min) : l).trimEnd());
}

/** A declaration line: the signature a passage is about. */
export function isDeclaration(line: string): boolean {
  return /^\s*(export\s+)?(default\s+)?(async\s+)?(function\*?|class|interface|type|enum|const|let|var|def|fn|func|pub\s+fn|struct|trait|impl)\b/.test(line);
}

function isCommentLine(line: string): boolean {
  return /^\s*(\/\*\*?|\*|\/\/|#(?!!)|"""|''')/.test(line);
}

/**
 * The one-sentence gist of a passage, quoted from it, with the lines it comes from: the
 * first sentence of its comment or paragraph, else its declaration line.
 */
export function gist(p: Passage): { quote: string; start: number; end: number } {
  const prose: Array<{ n: number; text: string }> = [];
  const markdown = /\.(md|markdown|txt|rst)$/i.test(p.path);
  let inFence = false;
  for (let k = 0; k < p.lines.length; k++) {
    const line = p.lines[k]!;
    // A fenced block in a doc is an example, not a statement: never its gist.
    if (markdown && /^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      if (prose.length > 0) break;
      continue;
    }
    if (inFence) continue;
    // A heading names a topic; the sentence under it says something about it.
    if (markdown && /^\s*#{1,6}\s/.test(line)) continue;
    const isProse = markdown ? line.trim() !== '' && !/^\s*(```|~~~|\|)/.test(line) : isCommentLine(line);
    if (!isProse) {
      if (prose.length > 0) break;
      continue;
    }
    const text = (markdown ? line.replace(/^\s*([-*+]|\d+[.)])\s+/, '') : commentProse(line)).trim();
    if (text) prose.push({ n: p.start + k, text });
  }
  if (prose.length > 0) {
    // The first sentence (two when the first is very short), cut at a line end when it
    // runs over three lines.
    const joined = prose.slice(0, 3).map((s) => s.text).join(' ');
    const stops = [...joined.matchAll(/[.!?](?=\s|$)/g)].map((m) => m.index + 1);
    const cut = stops.find((at) => at >= MIN_GIST_CHARS) ?? stops.at(-1) ?? joined.length;
    const quote = joined.slice(0, cut);
    // The last line the quote reaches.
    let used = 0;
    let end = prose[0]!.n;
    for (const seg of prose.slice(0, 3)) {
      if (used >= quote.length) break;
      end = seg.n;
      used += seg.text.length + 1;
    }
    return { quote, start: prose[0]!.n, end };
  }
  // A doc passage with no prose (only a fence) has no gist.
  if (markdown) return { quote: '', start: p.start, end: p.start };
  const k = Math.max(0, p.lines.findIndex(isDeclaration));
  return { quote: (p.lines[k] ?? '').trim(), start: p.start + k, end: p.start + k };
}
