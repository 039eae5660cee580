import { AwsError } from '../../aws/error.js';
import { validation, type ChatBackend } from './chat.js';
import { converseRequest, converseResponse } from './converse.js';
import { BODY_FORMATS, type IdSource } from './formats/index.js';
import { describeModel, filterModels, findModel, type FoundationModel, type ModelFilters } from './models.js';

/**
 * Bedrock's operations over the model catalog and a chat backend: ListFoundationModels and
 * GetFoundationModel (`bedrock`), InvokeModel and Converse (`bedrock-runtime`). Inputs arrive
 * decoded and checked against the service model; what is left here is what the service itself
 * decides — which model an identifier names, whether it can be invoked on demand, the model's
 * own body format and limits. Callers authorize first (see actions.ts).
 */
export interface BedrockDeps {
  readonly backend: ChatBackend;
  readonly ids: IdSource;
  /** Milliseconds from a monotonic clock, for the invocation latency. */
  readonly clock: () => number;
}

export interface InvokeModelOutput {
  readonly body: Buffer;
  readonly contentType: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly latencyMs: number;
}

const JSON_TYPE = 'application/json';

export class Bedrock {
  constructor(private readonly deps: BedrockDeps) {}

  listFoundationModels(region: string, filters: ModelFilters): Record<string, unknown> {
    return { modelSummaries: filterModels(filters).map((m) => describeModel(region, m)) };
  }

  getFoundationModel(region: string, identifier: string): Record<string, unknown> {
    const m = findModel(region, identifier);
    if (!m) throw validation(`Could not find model with identifier ${identifier}`);
    return { modelDetails: describeModel(region, m) };
  }

  async invokeModel(region: string, input: Record<string, unknown>): Promise<InvokeModelOutput> {
    const model = invocable(region, input['modelId'] as string);
    // Bedrock compares media types exactly: `application/json; charset=utf-8` is refused too.
    const contentType = input['contentType'] as string | undefined;
    if (contentType !== undefined && contentType.trim().toLowerCase() !== JSON_TYPE) throw validation('The provided Content Type is invalid or not supported for this model');
    const accept = input['accept'] as string | undefined;
    if (accept !== undefined && accept.trim().toLowerCase() !== JSON_TYPE) throw validation('The provided Accept Type is invalid or not supported for this model');
    noGuardrail(input['guardrailIdentifier']);
    const format = BODY_FORMATS[model.family];
    const started = this.deps.clock();
    const req = format.parse((input['body'] as Uint8Array | undefined) ?? new Uint8Array(0), model);
    const result = await this.deps.backend.complete(req);
    const body = Buffer.from(JSON.stringify(format.render(result, req, this.deps.ids)));
    return { body, contentType: JSON_TYPE, inputTokens: result.inputTokens, outputTokens: result.outputTokens, latencyMs: Math.max(0, Math.round(this.deps.clock() - started)) };
  }

  async converse(region: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const model = invocable(region, input['modelId'] as string);
    const guardrail = input['guardrailConfig'] as { guardrailIdentifier?: string } | undefined;
    noGuardrail(guardrail?.guardrailIdentifier);
    const started = this.deps.clock();
    const req = converseRequest(model, input);
    const result = await this.deps.backend.complete(req);
    return converseResponse(result, Math.max(0, Math.round(this.deps.clock() - started)));
  }
}

/** The model an InvokeModel or Converse call names, if it can be invoked on demand. */
function invocable(region: string, modelId: string): FoundationModel {
  const model = findModel(region, modelId);
  if (!model) throw validation('The provided model identifier is invalid.');
  if (!model.inferenceTypesSupported.includes('ON_DEMAND')) {
    throw validation(`Invocation of model ID ${model.modelId} with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.`);
  }
  return model;
}

/** irsa-local has no guardrails, so any guardrail a request names does not exist. */
function noGuardrail(identifier: unknown): void {
  if (typeof identifier === 'string' && identifier !== '') {
    throw new AwsError('ValidationException', 'The guardrail identifier or version provided in the request does not exist.', 400);
  }
}
