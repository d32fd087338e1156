/**
 * `mailroom inbox <id> <agent> [--all] [--redis [url]]`: an agent's messages, oldest first.
 * By default the ones handled (cur/) and waiting (new/); `--all` adds dead/ with each
 * file's reason, and tmp/ (messages being written right now). With `--redis` the mailbox
 * stream of a redis-transport session is read the same way (new = not yet acked, cur =
 * acked, dead = the dead-letter stream).
 */
import type { MaildirFolder } from '../../mailbox/maildir.js';
import type { LoadedInbox } from '../../inspect/inbox.js';
import type { Envelope } from '../../contracts/envelope.js';
import { abbreviate, block, formatTokens, oneLine, plural, sanitize, truncate } from './format.js';

export { ALL_INBOX_FOLDERS, DEFAULT_INBOX_FOLDERS, loadInbox } from '../../inspect/inbox.js';

const FOLDER_LABEL: Record<MaildirFolder, string> = { cur: 'handled', new: 'waiting', dead: 'DEAD', tmp: 'being written' };

function time(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** The body of a message, one `key: value` line per field, long text cut to a few lines. */
function bodyLines(env: Envelope, width: number): string[] {
  const pad = '    ';
  switch (env.type) {
    case 'assign': {
      const b = env.body;
      const lines = [
        `${pad}subtask: ${b.subtask.id} [${b.subtask.role}], attempt ${b.attempt}${b.model ? `, model ${b.model}` : ''}${b.continueFromTranscript ? ', continues from its transcript' : ''}${b.persistent ? ', persistent' : ''}`,
        `${pad}limits: ${b.limits.maxTurns} turns, ${formatTokens(b.limits.maxTokens)} tokens, ${Math.round(b.limits.wallClockMs / 1000)} s`,
        ...block(b.subtask.description, `${pad}| `, 4, width),
      ];
      if (b.subtask.context) lines.push(`${pad}context:`, ...block(b.subtask.context, `${pad}| `, 3, width));
      for (const i of b.inputs) lines.push(`${pad}input from ${i.agent} (${i.subtask}): ${truncate(oneLine(i.output), width - 30)}`);
      return lines;
    }
    case 'started':
      return [`${pad}pid ${env.body.pid}, attempt ${env.body.attempt}, subtask ${env.body.subtask}`];
    case 'progress':
      return [
        `${pad}turn ${env.body.turn}: ${formatTokens(env.body.usage.input_tokens)} in, ${formatTokens(env.body.usage.output_tokens)} out so far${env.body.note ? ` (${oneLine(env.body.note)})` : ''}`,
      ];
    case 'result':
      return [
        `${pad}subtask ${env.body.subtask}, attempt ${env.body.attempt}${env.body.round > 1 ? `, round ${env.body.round}` : ''}: ${plural(env.body.turns, 'turn')}, ${formatTokens(env.body.usage.input_tokens + env.body.usage.output_tokens)} tokens`,
        ...block(env.body.output, `${pad}| `, 8, width),
        ...(env.body.structured !== undefined ? [`${pad}structured: ${abbreviate(env.body.structured, width - 16)}`] : []),
      ];
    case 'failure':
      return [`${pad}subtask ${env.body.subtask}, attempt ${env.body.attempt}, after ${plural(env.body.turns, 'turn')}`, `${pad}error ${env.body.error.code}: ${truncate(oneLine(env.body.error.message), width)}`];
    case 'message':
      return block(env.body.text, `${pad}| `, 8, width);
    case 'question':
      return [`${pad}subtask ${env.body.subtask}`, ...block(env.body.question, `${pad}| `, 6, width)];
    case 'shutdown':
      return [`${pad}reason: ${oneLine(env.body.reason)}`];
    case 'terminate':
      return [`${pad}${env.body.agent ? `stop ${env.body.agent}` : 'stop the whole session'}: ${oneLine(env.body.reason)}`];
    default:
      return [`${pad}${abbreviate((env as { body?: unknown }).body, width)}`];
  }
}

/** The text `inbox` prints. */
export function formatInbox(agent: string, loaded: Pick<LoadedInbox, 'messages' | 'hiddenDead'> & Partial<LoadedInbox>, opts: { columns?: number } = {}): string {
  const width = Math.max(60, (opts.columns ?? 120) - 8);
  const out: string[] = [];
  const { messages, hiddenDead } = loaded;
  const redis = loaded.transport === 'redis';
  if (messages.length === 0) out.push(`${agent}: no messages${hiddenDead ? '' : ' in its mailbox'}`);
  messages.forEach((m, i) => {
    if (i > 0) out.push('');
    const label = FOLDER_LABEL[m.folder];
    if (m.envelope) {
      const e = m.envelope;
      out.push(`#${i + 1}  ${time(e.sentAt)}  ${e.from} -> ${e.to}  ${e.type}  [${m.folder}: ${label}]`);
      out.push(`    id ${e.id}, seq ${e.seq}${e.replyTo ? `, reply to ${e.replyTo}` : ''}${e.epoch !== undefined ? `, epoch ${e.epoch}` : ''}`);
      out.push(...bodyLines(e, width));
    } else {
      out.push(`#${i + 1}  ${m.name}  [${m.folder}: ${label}]`);
      // The reason file of a dead message usually says the same; say it once.
      if (m.error && !(m.reason && m.reason.includes(m.error))) out.push(`    unreadable: ${truncate(oneLine(m.error), width)}`);
      if (m.raw !== undefined) out.push(...block(m.raw, '    | ', 4, width));
    }
    if (m.reason) out.push(`    dead because: ${truncate(oneLine(sanitize(m.reason)), width)}`);
    out.push(redis ? `    entry ${m.name} (${m.folder === 'dead' ? 'dead-letter stream' : m.folder === 'cur' ? 'acked' : 'not acked yet'})` : `    file ${m.folder}/${m.name}`);
  });
  if (hiddenDead) out.push('', `${plural(hiddenDead, 'message')} in ${redis ? 'the dead-letter stream' : 'dead/'} not shown: add --all to see them and why they were rejected`);
  return out.join('\n') + '\n';
}
