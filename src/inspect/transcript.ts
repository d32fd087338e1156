/**
 * An agent's transcript lines (for `mailroom transcript` and the viewer). A worker that ran
 * on a worker host has its transcript on that host; the host also appends every line to
 * the agent's transcript stream in Redis, so a session read through Redis (ref.redisUrl)
 * falls back to that stream when the file is not on this machine.
 */
import fsp from 'node:fs/promises';
import { Transcript, type TranscriptLine } from '../agent/transcript.js';
import { agentPaths } from '../session/layout.js';
import { readFileStream } from './remote.js';
import type { SessionRef } from './session-data.js';

export async function loadTranscript(ref: SessionRef, agent: string): Promise<TranscriptLine[]> {
  const file = agentPaths(ref.dir, agent).transcript;
  if (!ref.redisUrl || (await exists(file))) return Transcript.read(file);
  const text = await readFileStream(ref.redisUrl, ref.id, agent, 'transcript');
  return text === undefined ? [] : parseLines(text);
}

async function exists(file: string): Promise<boolean> {
  return fsp.stat(file).then(
    () => true,
    () => false,
  );
}

/** JSON lines; a line that does not parse (torn by a crash mid-append) is skipped, as in a file. */
function parseLines(text: string): TranscriptLine[] {
  const out: TranscriptLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as TranscriptLine);
    } catch {
      // skipped
    }
  }
  return out;
}
