/** `ask_coordinator`: a worker's question to its coordinator, answered through the mailbox. */
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { defineTool } from '../types.js';

export const askCoordinator = defineTool({
  name: 'ask_coordinator',
  description:
    'Ask the coordinator a question when the subtask is ambiguous or blocked. Waits for the answer (or says none came). ' +
    'Use sparingly: the coordinator sees only your question, not your conversation.',
  input: z.object({ question: z.string().check(z.minLength(1), z.maxLength(2000)) }),
  async run(input, ctx) {
    if (!ctx.askCoordinator) throw new ToolError('there is no coordinator to ask in this context');
    const answer = await ctx.askCoordinator(input.question);
    return { content: answer === undefined ? 'No answer came in time; proceed with your best judgement and say what you assumed.' : `The coordinator answered: ${answer}` };
  },
});
