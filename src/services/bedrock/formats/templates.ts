import type { ChatMessage } from '../chat.js';

/**
 * Llama and Mistral take one `prompt` string, in which callers write the conversation in the
 * model's chat template. Reading the template back into turns lets a chat backend receive real
 * messages (and the local model quote the last user turn) instead of template markup:
 * - Llama 3: `<|start_header_id|>ROLE<|end_header_id|>\n\nTEXT<|eot_id|>` turns;
 * - Llama 2 / Mistral instruct: `<s>[INST] <<SYS>>…<</SYS>> TEXT [/INST] ANSWER</s>`.
 * A prompt in neither form is one user turn, verbatim.
 */
export interface Conversation {
  readonly system: string[];
  readonly messages: ChatMessage[];
}

const LLAMA3_TURN = /<\|start_header_id\|>(system|user|assistant)<\|end_header_id\|>\n*([\s\S]*?)(?:<\|eot_id\|>|$)/g;
const INST = /\[INST\]([\s\S]*?)\[\/INST\]([\s\S]*?)(?=<s>|\[INST\]|$)/g;
const SYS = /<<SYS>>([\s\S]*?)<<\/SYS>>/;

export function readPromptTemplate(prompt: string): Conversation {
  if (prompt.includes('<|start_header_id|>')) {
    const system: string[] = [];
    const messages: ChatMessage[] = [];
    for (const m of prompt.matchAll(LLAMA3_TURN)) {
      const role = m[1] as 'system' | 'user' | 'assistant';
      const text = (m[2] ?? '').trim();
      if (role === 'system') system.push(text);
      else if (text !== '' || role === 'user') messages.push({ role, text });
    }
    if (messages.length) return { system, messages };
  }
  if (prompt.includes('[INST]')) {
    const system: string[] = [];
    const messages: ChatMessage[] = [];
    for (const m of prompt.matchAll(INST)) {
      let user = m[1] ?? '';
      const sys = SYS.exec(user);
      if (sys) {
        system.push((sys[1] ?? '').trim());
        user = user.replace(SYS, '');
      }
      messages.push({ role: 'user', text: user.trim() });
      const answer = (m[2] ?? '').replace(/<\/s>/g, '').trim();
      if (answer) messages.push({ role: 'assistant', text: answer });
    }
    if (messages.length) return { system, messages };
  }
  return { system: [], messages: [{ role: 'user', text: prompt }] };
}
