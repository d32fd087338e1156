/** `ask_human`: a worker's question to a person, through the session's `human` mailbox. */
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { defineTool } from '../types.js';

export const askHuman = defineTool({
  name: 'ask_human',
  description:
    'Ask a person a question when only they can decide (a preference, a fact you cannot find, a go-ahead). ' +
    'Waits for their answer, which may take a while. The person sees only your question, so make it self-contained.',
  input: z.object({ question: z.string().check(z.minLength(1), z.maxLength(4000)) }),
  async run(input, ctx) {
    if (!ctx.askHuman) throw new ToolError('there is no person to ask in this context');
    const answer = await ctx.askHuman(input.question);
    if (answer === undefined) return { content: 'No answer came in time; proceed with your best judgement and say what you assumed.' };
    // A person's words come from outside the session: the model sees them as data.
    return { content: `The person answered: ${answer}`, untrusted: true };
  },
});
