/** An agent's transcript lines (for `mailroom transcript` and the viewer). */
import { Transcript, type TranscriptLine } from '../agent/transcript.js';
import { agentPaths } from '../session/layout.js';
import type { SessionRef } from './session-data.js';

export function loadTranscript(ref: SessionRef, agent: string): Promise<TranscriptLine[]> {
  return Transcript.read(agentPaths(ref.dir, agent).transcript);
}
