/**
 * Amazon Bedrock and Bedrock Runtime, as far as irsa-local serves them: the foundation-model
 * catalog, InvokeModel in each model family's body format, Converse, and the chat backends that
 * answer (the built-in local model or an OpenAI-compatible endpoint). See docs/bedrock.md.
 */
export { authorizationTarget, OPERATION_ACTIONS, type BedrockOperation } from './actions.js';
export { ModelErrorException, type ChatBackend, type ChatRequest, type ChatResult } from './chat.js';
export type { IdSource } from './formats/index.js';
export { LocalModel } from './local-model.js';
export { FOUNDATION_MODELS, findModel, foundationModelArn } from './models.js';
export { OpenAiBackend, type OpenAiBackendOptions } from './openai-backend.js';
export { Bedrock, type BedrockDeps, type InvokeModelOutput } from './runtime.js';
