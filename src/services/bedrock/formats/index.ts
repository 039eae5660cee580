import type { ModelFamily } from '../models.js';
import { anthropicMessages } from './anthropic.js';
import { cohereCommandR } from './cohere.js';
import type { BodyFormat } from './format.js';
import { llama, mistral } from './llama-mistral.js';
import { nova } from './nova.js';
import { titanText } from './titan.js';

export type { BodyFormat, IdSource } from './format.js';

/** Each model family's InvokeModel body format. */
export const BODY_FORMATS: Readonly<Record<ModelFamily, BodyFormat>> = {
  'anthropic-messages': anthropicMessages,
  'titan-text': titanText,
  nova,
  llama,
  mistral,
  'cohere-command-r': cohereCommandR,
};
