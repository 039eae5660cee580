/**
 * The foundation models irsa-local serves: one entry per model id, with the fields
 * ListFoundationModels and GetFoundationModel return (FoundationModelSummary /
 * FoundationModelDetails in the Bedrock API reference) and what the runtime needs: which request
 * and response body format the model speaks, its output-token ceiling and whether Converse
 * accepts a system prompt for it.
 *
 * A snapshot of public catalog data (Bedrock user guide "Supported foundation models", "Inference
 * request parameters and response fields for foundation models", Converse "Supported models and
 * model features"), not region-accurate: every region serves the same list. Context-window
 * variants (`…:48k`, `…:8k`) exist for Provisioned Throughput only, as in AWS.
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_FoundationModelSummary.html
 */
export type ModelFamily = 'anthropic-messages' | 'titan-text' | 'nova' | 'llama' | 'mistral' | 'cohere-command-r';
export type Modality = 'TEXT' | 'IMAGE' | 'EMBEDDING';
export type InferenceType = 'ON_DEMAND' | 'PROVISIONED';
export type Customization = 'FINE_TUNING' | 'CONTINUED_PRE_TRAINING' | 'DISTILLATION';

export interface FoundationModel {
  readonly modelId: string;
  readonly modelName: string;
  readonly providerName: string;
  readonly inputModalities: readonly Modality[];
  readonly outputModalities: readonly Modality[];
  readonly responseStreamingSupported: boolean;
  readonly customizationsSupported: readonly Customization[];
  readonly inferenceTypesSupported: readonly InferenceType[];
  readonly lifecycle: 'ACTIVE' | 'LEGACY';
  readonly family: ModelFamily;
  /** The largest output the model accepts (max_tokens, maxTokenCount, max_gen_len …). */
  readonly maxOutputTokens: number;
  /** What the model generates at most when the request names no limit. */
  readonly defaultMaxTokens: number;
  /** Converse accepts `system` for this model ("Supported models and model features"). */
  readonly systemPrompts: boolean;
  /** The `model` field Anthropic's responses carry (Claude only). */
  readonly anthropicModel?: string;
}

type Entry = Omit<FoundationModel, 'lifecycle' | 'customizationsSupported' | 'inferenceTypesSupported' | 'responseStreamingSupported' | 'outputModalities'> &
  Partial<Pick<FoundationModel, 'lifecycle' | 'customizationsSupported' | 'inferenceTypesSupported' | 'responseStreamingSupported' | 'outputModalities'>>;

const TEXT: readonly Modality[] = ['TEXT'];
const TEXT_IMAGE: readonly Modality[] = ['TEXT', 'IMAGE'];

const ENTRIES: readonly Entry[] = [
  // Anthropic Claude — Messages API (anthropic_version bedrock-2023-05-31).
  { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', modelName: 'Claude 3 Haiku', providerName: 'Anthropic', inputModalities: TEXT_IMAGE, family: 'anthropic-messages', maxOutputTokens: 4096, defaultMaxTokens: 4096, systemPrompts: true, anthropicModel: 'claude-3-haiku-20240307' },
  { modelId: 'anthropic.claude-3-haiku-20240307-v1:0:48k', modelName: 'Claude 3 Haiku', providerName: 'Anthropic', inputModalities: TEXT_IMAGE, inferenceTypesSupported: ['PROVISIONED'], family: 'anthropic-messages', maxOutputTokens: 4096, defaultMaxTokens: 4096, systemPrompts: true, anthropicModel: 'claude-3-haiku-20240307' },
  { modelId: 'anthropic.claude-3-haiku-20240307-v1:0:200k', modelName: 'Claude 3 Haiku', providerName: 'Anthropic', inputModalities: TEXT_IMAGE, inferenceTypesSupported: ['PROVISIONED'], family: 'anthropic-messages', maxOutputTokens: 4096, defaultMaxTokens: 4096, systemPrompts: true, anthropicModel: 'claude-3-haiku-20240307' },
  { modelId: 'anthropic.claude-3-sonnet-20240229-v1:0', modelName: 'Claude 3 Sonnet', providerName: 'Anthropic', inputModalities: TEXT_IMAGE, lifecycle: 'LEGACY', family: 'anthropic-messages', maxOutputTokens: 4096, defaultMaxTokens: 4096, systemPrompts: true, anthropicModel: 'claude-3-sonnet-20240229' },
  { modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', modelName: 'Claude 3.5 Sonnet', providerName: 'Anthropic', inputModalities: TEXT_IMAGE, family: 'anthropic-messages', maxOutputTokens: 4096, defaultMaxTokens: 4096, systemPrompts: true, anthropicModel: 'claude-3-5-sonnet-20240620' },
  // Amazon Titan Text — inputText / textGenerationConfig → results[].
  { modelId: 'amazon.titan-text-express-v1', modelName: 'Titan Text G1 - Express', providerName: 'Amazon', inputModalities: TEXT, customizationsSupported: [], family: 'titan-text', maxOutputTokens: 8192, defaultMaxTokens: 512, systemPrompts: false },
  { modelId: 'amazon.titan-text-express-v1:0:8k', modelName: 'Titan Text G1 - Express', providerName: 'Amazon', inputModalities: TEXT, customizationsSupported: ['FINE_TUNING', 'CONTINUED_PRE_TRAINING'], inferenceTypesSupported: ['PROVISIONED'], family: 'titan-text', maxOutputTokens: 8192, defaultMaxTokens: 512, systemPrompts: false },
  { modelId: 'amazon.titan-text-lite-v1', modelName: 'Titan Text G1 - Lite', providerName: 'Amazon', inputModalities: TEXT, family: 'titan-text', maxOutputTokens: 4096, defaultMaxTokens: 512, systemPrompts: false },
  { modelId: 'amazon.titan-text-premier-v1:0', modelName: 'Titan Text G1 - Premier', providerName: 'Amazon', inputModalities: TEXT, family: 'titan-text', maxOutputTokens: 3072, defaultMaxTokens: 512, systemPrompts: false },
  // Amazon Nova — messages-v1 schema.
  { modelId: 'amazon.nova-micro-v1:0', modelName: 'Nova Micro', providerName: 'Amazon', inputModalities: TEXT, customizationsSupported: ['FINE_TUNING', 'DISTILLATION'], family: 'nova', maxOutputTokens: 10000, defaultMaxTokens: 10000, systemPrompts: true },
  { modelId: 'amazon.nova-lite-v1:0', modelName: 'Nova Lite', providerName: 'Amazon', inputModalities: TEXT_IMAGE, customizationsSupported: ['FINE_TUNING', 'DISTILLATION'], family: 'nova', maxOutputTokens: 10000, defaultMaxTokens: 10000, systemPrompts: true },
  { modelId: 'amazon.nova-pro-v1:0', modelName: 'Nova Pro', providerName: 'Amazon', inputModalities: TEXT_IMAGE, customizationsSupported: ['FINE_TUNING', 'DISTILLATION'], family: 'nova', maxOutputTokens: 10000, defaultMaxTokens: 10000, systemPrompts: true },
  // Meta Llama — prompt / max_gen_len → generation.
  { modelId: 'meta.llama3-8b-instruct-v1:0', modelName: 'Llama 3 8B Instruct', providerName: 'Meta', inputModalities: TEXT, family: 'llama', maxOutputTokens: 2048, defaultMaxTokens: 512, systemPrompts: true },
  { modelId: 'meta.llama3-70b-instruct-v1:0', modelName: 'Llama 3 70B Instruct', providerName: 'Meta', inputModalities: TEXT, family: 'llama', maxOutputTokens: 2048, defaultMaxTokens: 512, systemPrompts: true },
  { modelId: 'meta.llama3-1-8b-instruct-v1:0', modelName: 'Llama 3.1 8B Instruct', providerName: 'Meta', inputModalities: TEXT, customizationsSupported: ['FINE_TUNING'], family: 'llama', maxOutputTokens: 2048, defaultMaxTokens: 512, systemPrompts: true },
  // Mistral AI — prompt → outputs[].
  { modelId: 'mistral.mistral-7b-instruct-v0:2', modelName: 'Mistral 7B Instruct', providerName: 'Mistral AI', inputModalities: TEXT, family: 'mistral', maxOutputTokens: 8192, defaultMaxTokens: 512, systemPrompts: false },
  { modelId: 'mistral.mixtral-8x7b-instruct-v0:1', modelName: 'Mixtral 8x7B Instruct', providerName: 'Mistral AI', inputModalities: TEXT, family: 'mistral', maxOutputTokens: 4096, defaultMaxTokens: 512, systemPrompts: false },
  { modelId: 'mistral.mistral-large-2402-v1:0', modelName: 'Mistral Large (24.02)', providerName: 'Mistral AI', inputModalities: TEXT, family: 'mistral', maxOutputTokens: 8192, defaultMaxTokens: 8192, systemPrompts: true },
  // Cohere Command R — message / chat_history → text.
  { modelId: 'cohere.command-r-v1:0', modelName: 'Command R', providerName: 'Cohere', inputModalities: TEXT, family: 'cohere-command-r', maxOutputTokens: 4000, defaultMaxTokens: 4000, systemPrompts: true },
  { modelId: 'cohere.command-r-plus-v1:0', modelName: 'Command R+', providerName: 'Cohere', inputModalities: TEXT, family: 'cohere-command-r', maxOutputTokens: 4000, defaultMaxTokens: 4000, systemPrompts: true },
];

export const FOUNDATION_MODELS: readonly FoundationModel[] = ENTRIES.map((e) => ({
  outputModalities: TEXT,
  responseStreamingSupported: true,
  customizationsSupported: [],
  inferenceTypesSupported: ['ON_DEMAND'],
  lifecycle: 'ACTIVE',
  ...e,
}));

const BY_ID = new Map(FOUNDATION_MODELS.map((m) => [m.modelId, m]));

export function foundationModelArn(region: string, modelId: string, partition = 'aws'): string {
  return `arn:${partition}:bedrock:${region}::foundation-model/${modelId}`;
}

const FOUNDATION_ARN = /^arn:aws(?:-[a-z-]+)?:bedrock:([a-z0-9-]{1,20})::foundation-model\/(.+)$/;

/**
 * The model an identifier names in `region`: a model id, or the model's ARN in that region
 * (another region's ARN names nothing here). Undefined for anything else, including inference
 * profiles and custom or provisioned models, which irsa-local does not have.
 */
export function findModel(region: string, identifier: string): FoundationModel | undefined {
  const m = FOUNDATION_ARN.exec(identifier);
  if (m) return m[1] === region ? BY_ID.get(m[2] as string) : undefined;
  return BY_ID.get(identifier);
}

/** The resource an identifier names for authorization: its foundation-model ARN. */
export function modelResourceArn(region: string, identifier: string): string {
  return FOUNDATION_ARN.test(identifier) ? identifier : foundationModelArn(region, identifier);
}

export interface ModelFilters {
  readonly byProvider?: string | undefined;
  readonly byCustomizationType?: string | undefined;
  readonly byOutputModality?: string | undefined;
  readonly byInferenceType?: string | undefined;
}

/** ListFoundationModels' filters; the provider name matches regardless of case (`anthropic`). */
export function filterModels(filters: ModelFilters): FoundationModel[] {
  const provider = filters.byProvider?.toLowerCase();
  return FOUNDATION_MODELS.filter(
    (m) =>
      (provider === undefined || m.providerName.toLowerCase() === provider) &&
      (filters.byCustomizationType === undefined || (m.customizationsSupported as readonly string[]).includes(filters.byCustomizationType)) &&
      (filters.byOutputModality === undefined || (m.outputModalities as readonly string[]).includes(filters.byOutputModality)) &&
      (filters.byInferenceType === undefined || (m.inferenceTypesSupported as readonly string[]).includes(filters.byInferenceType)),
  );
}

/** A model as FoundationModelSummary / FoundationModelDetails describe it. */
export function describeModel(region: string, m: FoundationModel): Record<string, unknown> {
  return {
    modelArn: foundationModelArn(region, m.modelId),
    modelId: m.modelId,
    modelName: m.modelName,
    providerName: m.providerName,
    inputModalities: [...m.inputModalities],
    outputModalities: [...m.outputModalities],
    responseStreamingSupported: m.responseStreamingSupported,
    customizationsSupported: [...m.customizationsSupported],
    inferenceTypesSupported: [...m.inferenceTypesSupported],
    modelLifecycle: { status: m.lifecycle },
  };
}
