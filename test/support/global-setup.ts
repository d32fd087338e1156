/**
 * Suite-wide guard against leaked processes. Every process a test session starts carries
 * MAILROOM_TEST_RUN in its environment; after the whole suite, none may be alive.
 */
import { nanoid } from 'nanoid';
import { killTaggedProcesses, listTaggedProcesses, type TaggedProcess } from './processes.js';

/** vitest's own fork workers inherit the tag too, and may still be exiting at teardown. */
function leaked(tag: string): TaggedProcess[] {
  return listTaggedProcesses(tag).filter((p) => !/vitest[\\/]dist[\\/]workers[\\/]/.test(p.cmd) && !/node_modules[\\/]vitest[\\/]/.test(p.cmd));
}

export default function setup(): () => Promise<void> {
  const tag = `run-${nanoid(8)}`;
  process.env.MAILROOM_TEST_RUN = tag;
  return async () => {
    // Give processes that are already exiting (e.g. a worker that just sent its result) a moment.
    let left = leaked(tag);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = leaked(tag);
    }
    if (left.length > 0) {
      killTaggedProcesses(tag);
      throw new Error(`test suite leaked ${left.length} process(es): ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
    }
  };
}
