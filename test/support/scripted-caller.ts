/** Child process for the scripted-model race test: makes N calls as agent `<prefix>-k`, printing each answer's text. */
import { ScriptedModel } from '../../src/model/scripted.js';

const [scriptFile, prefix, count] = process.argv.slice(2);
const model = new ScriptedModel(scriptFile!);
const texts: string[] = [];
for (let k = 0; k < Number(count); k++) {
  const r = await model.createMessage({ model: 'scripted', system: '', messages: [{ role: 'user', content: 'hi' }], metadata: { agentId: `${prefix}-${k}`, role: 'research', purpose: 'turn' } });
  const block = r.content[0];
  texts.push(block?.type === 'text' ? block.text : '?');
}
process.stdout.write(JSON.stringify(texts));
