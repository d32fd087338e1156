/** Readers for a finished session's files: mailbox folders and agent records. */
import fs from 'node:fs';
import path from 'node:path';

export interface StoredEnvelope {
  id: string;
  type: string;
  from: string;
  to: string;
  replyTo?: string;
  body: Record<string, unknown>;
}

/** The envelopes in one folder of an agent's mailbox, in name (send) order. */
export function mailbox(sessionDir: string, agent: string, folder: 'new' | 'cur' | 'dead' = 'cur'): StoredEnvelope[] {
  const dir = path.join(sessionDir, 'agents', agent, 'mailbox', folder);
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as StoredEnvelope);
}

export function agents(sessionDir: string): string[] {
  return fs.readdirSync(path.join(sessionDir, 'agents')).sort();
}
