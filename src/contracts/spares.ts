/**
 * Warm spares' ids (spare-01, spare-02, ...) and where their folders live: `spares/<id>`
 * beside `agents/`, because a spare is a process waiting for work, not one of the
 * session's agents (a spare handed a subtask runs as that subtask's agent, in its folder).
 */

const SPARE_ID = /^spare-\d+$/;

/** True for a warm spare's id. */
export function isSpareId(id: string): boolean {
  return SPARE_ID.test(id);
}

/** The session subfolder that holds this id's folder: `spares` for a spare, else `agents`. */
export function agentsFolderOf(id: string): 'agents' | 'spares' {
  return isSpareId(id) ? 'spares' : 'agents';
}
