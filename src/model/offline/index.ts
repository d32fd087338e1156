/**
 * The `offline` provider: a deterministic model that needs no key and no network. It
 * plans from the task text, drives each worker's real tools, and synthesizes from what
 * the workers returned. It says what it is (the CLI prints a notice; session.json records
 * the provider) and never invents facts.
 */
import type { ContentBlock, Model, ModelRequest, ModelResponse, StopReason } from '../types.js';
import { planFromTask } from './planner.js';
import { synthesize } from './synthesizer.js';
import { moderateDebate } from './debate.js';
import { estimateTokens } from './text.js';
import { replyBlocks, turnIndex, workerTurn } from './worker.js';
import { classify } from './classifier.js';
import { agentsIn, KINDS } from './agents.js';
import { genericTurn } from './generic.js';
import { parseTagged } from '../../prompts.js';

export class OfflineModel implements Model {
  readonly provider = 'offline';
  readonly defaultModel = 'offline';
  private counter = 0;

  async createMessage(request: ModelRequest): Promise<ModelResponse> {
    const purpose = request.metadata?.purpose ?? guessPurpose(request);
    let content: ContentBlock[];
    let stop: StopReason = 'end_turn';
    const lastUser = lastUserText(request);
    switch (purpose) {
      case 'plan': {
        const first = firstUserText(request);
        const plan = planFromTask(parseTagged(first, 'task')[0]?.body.trim() ?? first, agentsIn(request.system));
        content = [{ type: 'tool_use', id: `toolu_offline_plan_${this.counter}`, name: 'plan_subtasks', input: plan }];
        stop = 'tool_use';
        break;
      }
      case 'synthesize':
      case 'draft':
        content = [{ type: 'text', text: synthesize(lastUser) }];
        break;
      case 'debate':
        content = [{ type: 'text', text: moderateDebate(lastUser) }];
        break;
      case 'route':
        content = [{ type: 'text', text: JSON.stringify(classify(lastUser, request.system)) }];
        break;
      case 'turn': {
        const turn = turnIndex(request);
        // The built-in agents have their own routines; any other agent gets the generic one.
        const builtIn = (KINDS as readonly string[]).includes(request.metadata?.role ?? '');
        content = replyBlocks(builtIn ? workerTurn(request) : genericTurn(request), turn);
        stop = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
        break;
      }
      default:
        // Consultations (live coordination) and anything else: take no action.
        content = [{ type: 'text', text: 'No action.' }];
    }
    const input = estimateTokens(JSON.stringify(request.messages) + (request.system ?? ''));
    const output = estimateTokens(JSON.stringify(content));
    return {
      id: `msg_offline_${++this.counter}`,
      model: 'offline',
      content,
      stop_reason: stop,
      usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    };
  }
}

function guessPurpose(request: ModelRequest): string {
  if (request.tools?.some((t) => t.name === 'plan_subtasks')) return 'plan';
  return 'turn';
}

function firstUserText(request: ModelRequest): string {
  const m = request.messages.find((x) => x.role === 'user');
  return m ? textOf(m.content) : '';
}

function lastUserText(request: ModelRequest): string {
  const m = [...request.messages].reverse().find((x) => x.role === 'user');
  return m ? textOf(m.content) : '';
}

function textOf(content: string | ContentBlock[]): string {
  if (typeof content === 'string') return content;
  return content.map((b) => (b.type === 'text' ? b.text : '')).join('\n');
}
