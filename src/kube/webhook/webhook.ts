/**
 * The webhook as one object: configuration lookup + mutation + AdmissionReview adapter. Used over
 * HTTPS by `irsa webhook` (server.ts) and in process by the embedded Kubernetes API through the
 * `PodAdmission` seam. No I/O of its own: lookups, randomness and logging are injected.
 */
import type { KubeObject, PodAdmission } from '../contracts.js';
import { handleAdmissionRequest, type AdmissionHttpRequest, type AdmissionHttpResponse } from './admission.js';
import { resolvePodPatchConfig, type ConfigSources, type PodPatchConfig, type RandomInt } from './config.js';
import { applyJsonPatch, type JsonPatchOp } from './json-patch.js';
import { mutatePod, type PatchStyle } from './mutate.js';
import { decodePod, type Pod } from './pod.js';
import { webhookSettings, type WebhookSettings, type WebhookSettingsInput } from './settings.js';

export interface PodIdentityWebhookOptions {
  readonly settings?: WebhookSettingsInput;
  readonly sources: ConfigSources;
  /** Jitter source; defaults to Math.random (not security relevant). */
  readonly randomInt?: RandomInt;
  readonly style?: PatchStyle;
  /** One line per decision; errors of the lookups are reported here and the pod is left alone. */
  readonly log?: (line: string) => void;
}

export interface PodIdentityWebhook extends PodAdmission {
  readonly settings: WebhookSettings;
  /** The patch for `pod` created in `namespace`; undefined when nothing applies. */
  patch(pod: Pod, namespace: string): Promise<JsonPatchOp[] | undefined>;
  /** An HTTP request to `/mutate` → its response. */
  handle(request: AdmissionHttpRequest): Promise<AdmissionHttpResponse>;
}

export function createPodIdentityWebhook(options: PodIdentityWebhookOptions): PodIdentityWebhook {
  const settings = webhookSettings(options.settings);
  const randomInt = options.randomInt ?? ((n: number) => Math.floor(Math.random() * n));
  const log = options.log ?? (() => undefined);

  async function patch(pod: Pod, namespace: string): Promise<JsonPatchOp[] | undefined> {
    const who = `pod ${namespace}/${pod.metadata?.name || pod.metadata?.generateName || ''} sa ${pod.spec?.serviceAccountName ?? ''}`;
    let config: PodPatchConfig | undefined;
    try {
      config = await resolvePodPatchConfig(pod, namespace, options.sources, settings, randomInt);
    } catch (e) {
      // Fail open like upstream: a lookup failure means "not found", never a denied pod.
      log(`${who}: not mutated, service account lookup failed: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    if (!config) {
      log(`${who}: not mutated (no identity for the service account)`);
      return undefined;
    }
    const ops = mutatePod(pod, config, { style: options.style ?? 'fine-grained' });
    log(`${who}: ${config.mode} from ${config.source}, ${ops?.length ?? 0} patch operation(s)`);
    return ops;
  }

  return {
    settings,
    patch,
    handle: (request) => handleAdmissionRequest(request, patch),
    async admitPod(pod: KubeObject, namespace: string): Promise<KubeObject> {
      const decoded = decodePod(pod);
      if (!decoded.ok) return pod;
      const ops = await patch(decoded.pod, namespace);
      return ops && ops.length > 0 ? applyJsonPatch(pod, ops) : pod;
    },
  };
}
