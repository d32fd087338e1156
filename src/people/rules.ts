/**
 * Which tool calls wait for a person: the agent definition's `approval` field, and the
 * session's `--require-approval` list, unless `--approve-all` switches approval off.
 */

/** Tools that never wait: asking people or the coordinator, and ending with a structured answer. */
const NEVER = new Set(['ask_human', 'ask_coordinator']);

/** Reads a definition's `approval` (true, false, a name, a comma list, a list, or a map of name to true) as patterns. */
export function approvalPatterns(approval: unknown): string[] {
  if (approval === undefined || approval === null || approval === false) return [];
  if (approval === true) return ['all'];
  if (typeof approval === 'string') return approval.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(approval)) return approval.filter((x): x is string => typeof x === 'string' && x.length > 0);
  if (typeof approval === 'object') {
    return Object.entries(approval as Record<string, unknown>)
      .filter(([, v]) => v !== false && v !== null && v !== undefined)
      .map(([k]) => k);
  }
  return [];
}

/** True when a pattern (a name, `all`, or a glob with `*`) covers this tool name. */
export function coversTool(pattern: string, tool: string): boolean {
  if (pattern === 'all' || pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === tool;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(tool);
}

export interface ApprovalSettings {
  requireApproval: string[];
  approveAll: boolean;
}

/** Whether a call of `tool` by an agent with this `approval` field must wait for a person. */
export function needsApproval(tool: string, approval: unknown, settings: ApprovalSettings, outputTool?: string): boolean {
  if (settings.approveAll || NEVER.has(tool) || tool === outputTool) return false;
  return [...approvalPatterns(approval), ...settings.requireApproval].some((p) => coversTool(p, tool));
}

/** A one-line view of a tool call for people: `write_file(path="CHANGELOG.md", 1.2 kB)`. */
export function summarizeCall(tool: string, input: unknown): string {
  const parts: string[] = [];
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
      if (typeof v === 'string' && v.length <= 80 && !v.includes('\n')) parts.push(`${k}=${JSON.stringify(v)}`);
      else if (typeof v === 'string') parts.push(size(Buffer.byteLength(v)));
      else if (typeof v === 'number' || typeof v === 'boolean') parts.push(`${k}=${String(v)}`);
      else parts.push(`${k}: ${size(Buffer.byteLength(JSON.stringify(v) ?? ''))}`);
      if (parts.length >= 4) break;
    }
  }
  return `${tool}(${parts.join(', ')})`;
}

function size(bytes: number): string {
  return bytes < 1000 ? `${bytes} B` : `${(bytes / 1000).toFixed(1)} kB`;
}
