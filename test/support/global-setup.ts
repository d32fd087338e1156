/**
 * Suite-wide guard against leaked processes. Every process a test session starts carries
 * MAILROOM_TEST_RUN in its environment; after the whole suite, none may be alive.
 */
import { listTaggedProcesses, killTaggedProcesses } from './processes.js';
import { nanoid } from 'nanoid';

export default function setup(): () => void {
  const tag = `run-${nanoid(8)}`;
  process.env.MAILROOM_TEST_RUN = tag;
  return () => {
    const left = listTaggedProcesses(tag);
    if (left.length > 0) {
      killTaggedProcesses(tag);
      throw new Error(`test suite leaked ${left.length} process(es): ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
    }
  };
}
