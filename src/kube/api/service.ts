/**
 * The API's verbs over the repository, shared by the HTTP handler and the controllers, so a pod
 * a controller creates takes exactly the path `kubectl apply` does (defaults → ServiceAccount
 * admission → mutating admission → validation → store).
 * @see https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject, PodAdmission } from '../contracts.js';
import { alreadyExists, badRequest, conflict, forbidden, invalid, KubeStatusError, MODIFIED_CONFLICT, notFound, type FieldError } from './errors.js';
import { asObj, SUFFIX_ALPHABET, type KindContext } from './kinds/context.js';
import { STRATEGIES } from './kinds/index.js';
import { defaultPod, stable } from './kinds/pod.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import { clone, withType, type Repository, type Writer } from './repository.js';
import { apiVersionOf, CONFIG_MAPS, NAMESPACES, PODS, RESOURCES, SERVICE_ACCOUNTS, type ResourceDef } from './resources.js';
import { checkFields, SCHEMAS } from './schema.js';
import { selectionMatches, type Selection } from './selectors.js';
import { validateMeta } from './validation.js';

export interface KubeLog {
  info(message: string): void;
  error(message: string, err?: unknown): void;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldValidation?: FieldValidation;
  /** Collects `Warning` header texts (unknown fields with fieldValidation=Warn). */
  readonly warnings?: string[];
  /** The body came from protobuf: no JSON field checks apply. */
  readonly fromProtobuf?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic';

/** Namespaces the apiserver refuses to delete (NamespaceLifecycle admission). */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export interface ServiceDeps {
  readonly repo: Repository;
  readonly now: () => Date;
  readonly random: (size: number) => Uint8Array;
  readonly admission?: PodAdmission;
  readonly log?: KubeLog;
  /** The cluster CA, published in every namespace as ConfigMap `kube-root-ca.crt`. */
  readonly rootCaPem?: string;
}

export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class KubeService {
  constructor(readonly deps: ServiceDeps) {}

  get repo(): Repository {
    return this.deps.repo;
  }

  uid(): string {
    const b = Buffer.from(this.deps.random(16));
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  context(): KindContext {
    return {
      now: this.deps.now(),
      randomSuffix: (n) => Array.from(this.deps.random(n), (x) => SUFFIX_ALPHABET[x % SUFFIX_ALPHABET.length]).join(''),
    };
  }

  async get(r: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject> {
    const o = await this.repo.get(r, namespace, name);
    if (!o) throw notFound(r, name);
    return o;
  }

  async list(r: ResourceDef, namespace: string | undefined, sel: Selection): Promise<{ items: KubeObject[]; resourceVersion: number }> {
    const { items, resourceVersion } = await this.repo.list(r, namespace);
    return { items: items.filter((o) => selectionMatches(r, sel, o)), resourceVersion };
  }

  /** Unknown/mistyped fields per `fieldValidation` (Strict → 400, Warn → warnings). */
  checkBody(r: ResourceDef | { kind: string }, body: KubeObject, opts: WriteOptions): void {
    const schema = SCHEMAS[r.kind];
    if (!schema || opts.fromProtobuf) return;
    const problems = checkFields(schema, body);
    const gv = 'group' in r ? apiVersionOf(r) : String(body.apiVersion ?? 'v1');
    if (problems.types.length) throw badRequest(`${r.kind} in version "${gv}" cannot be handled as a ${r.kind}: ${problems.types[0]}`);
    if (!problems.unknown.length || opts.fieldValidation === 'Ignore') return;
    if (opts.fieldValidation === 'Strict') throw badRequest(`${r.kind} in version "${gv}" cannot be handled as a ${r.kind}: strict decoding error: ${problems.unknown.join(', ')}`);
    opts.warnings?.push(...problems.unknown);
  }

  private checkType(r: ResourceDef, body: KubeObject): void {
    if (body.kind !== undefined && body.kind !== '' && body.kind !== r.kind)
      throw badRequest(`the kind in the request body (${String(body.kind)}) does not match the resource (${r.kind})`);
    if (body.apiVersion !== undefined && body.apiVersion !== '' && body.apiVersion !== apiVersionOf(r))
      throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(r)})`);
  }

  private invalidError(r: ResourceDef, o: KubeObject, errors: FieldError[]): KubeStatusError {
    return invalid(r.kind, r.group, o.metadata?.name ?? o.metadata?.generateName ?? '', errors);
  }

  /** Create, with defaults, admission (pods) and validation. */
  async create(r: ResourceDef, namespace: string | undefined, bodyIn: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    if (!bodyIn || typeof bodyIn !== 'object' || Array.isArray(bodyIn)) throw badRequest('the body of the request must be a JSON object');
    this.checkType(r, bodyIn);
    this.checkBody(r, bodyIn, opts);
    let o = withType(r, clone(bodyIn));
    const meta = { ...asObj(o.metadata) } as NonNullable<KubeObject['metadata']>;
    if (r.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = namespace ?? meta.namespace;
    } else delete meta.namespace;
    const ctx = this.context();
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${ctx.randomSuffix(5)}`;
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink', 'managedFields']) delete meta[k];
    o.metadata = meta;
    if (r.namespaced && meta.namespace) {
      const ns = await this.repo.get(NAMESPACES, undefined, meta.namespace);
      if (!ns) throw notFound(NAMESPACES, meta.namespace);
      if (ns.metadata?.deletionTimestamp)
        throw forbidden(r, meta.name ?? '', `unable to create new content in namespace ${meta.namespace} because it is being terminated`);
    }
    const strategy = STRATEGIES[r.kind] ?? {};
    if (r === PODS || r.kind === 'Pod') {
      o = await this.admitPod(o, ctx);
    } else strategy.prepareForCreate?.(o, ctx);
    const errors = [...validateMeta(r, o), ...(strategy.validate?.(o) ?? [])];
    if (errors.length) throw this.invalidError(r, o, errors);
    const m = o.metadata as NonNullable<KubeObject['metadata']>;
    m.uid = this.uid();
    m.creationTimestamp = timestamp(ctx.now);
    if (r.generation) m.generation = 1;
    if (opts.dryRun) return o;
    return this.repo.write(async (w) => {
      if (r.namespaced && !(await w.get(NAMESPACES, undefined, m.namespace ?? ''))) throw notFound(NAMESPACES, m.namespace ?? '');
      if (!(await w.create(r, o))) throw alreadyExists(r, m.name ?? '');
      if (r === NAMESPACES) {
        await this.createDefaultServiceAccount(w, m.name ?? '', ctx);
        await this.publishRootCa(w, m.name ?? '', ctx);
      }
      return (await w.get(r, m.namespace, m.name ?? '')) as KubeObject;
    });
  }

  /** The ServiceAccount controller's `default` SA in every new namespace (done in the same transaction). */
  async createDefaultServiceAccount(w: Writer, namespace: string, ctx: KindContext): Promise<void> {
    await w.create(SERVICE_ACCOUNTS, {
      metadata: { name: 'default', namespace, uid: this.uid(), creationTimestamp: timestamp(ctx.now) },
    });
  }

  /**
   * The root-CA publisher's `kube-root-ca.crt` ConfigMap, which every pod's `kube-api-access-*`
   * volume projects (done in the same transaction as the namespace).
   */
  async publishRootCa(w: Writer, namespace: string, ctx: KindContext): Promise<void> {
    if (this.deps.rootCaPem === undefined || (await w.get(CONFIG_MAPS, namespace, 'kube-root-ca.crt'))) return;
    await w.create(CONFIG_MAPS, {
      metadata: { name: 'kube-root-ca.crt', namespace, uid: this.uid(), creationTimestamp: timestamp(ctx.now), annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
      data: { 'ca.crt': this.deps.rootCaPem },
    });
  }

  /** Defaults + ServiceAccount admission, then the mutating admission (the webhook). */
  private async admitPod(pod: KubeObject, ctx: KindContext): Promise<KubeObject> {
    const ns = pod.metadata?.namespace ?? 'default';
    const spec = asObj(pod.spec);
    const saName = (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) || (typeof spec.serviceAccount === 'string' && spec.serviceAccount) || 'default';
    // Only look the SA up when the spec is otherwise sane, so a bad pod gets its 422 first.
    const sa = await this.repo.get(SERVICE_ACCOUNTS, ns, saName);
    const pre = STRATEGIES.Pod?.validate?.(pod) ?? [];
    if (!sa && pre.length === 0)
      throw forbidden(PODS, pod.metadata?.name ?? '', `error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`);
    defaultPod(pod, ctx, sa);
    if (!this.deps.admission) return pod;
    const admitted = await this.deps.admission.admitPod(pod, ns);
    return withType(PODS, admitted);
  }

  /**
   * PUT semantics: replaces spec/data; server-owned metadata is kept; `status` goes only through
   * the status subresource; a stale resourceVersion is a 409.
   */
  private prepareUpdate(r: ResourceDef, next: KubeObject, old: KubeObject, subresource: string | undefined): KubeObject {
    const o = withType(r, next);
    const meta = { ...asObj(o.metadata) } as NonNullable<KubeObject['metadata']>;
    const oldMeta = old.metadata ?? {};
    if (meta.resourceVersion && meta.resourceVersion !== oldMeta.resourceVersion) throw conflict(r, oldMeta.name ?? '', MODIFIED_CONFLICT);
    for (const k of ['uid', 'creationTimestamp', 'namespace', 'name', 'generation', 'deletionTimestamp']) {
      if (oldMeta[k] === undefined) delete meta[k];
      else meta[k] = oldMeta[k];
    }
    delete meta.managedFields;
    meta.resourceVersion = oldMeta.resourceVersion;
    let out: KubeObject = { ...o, metadata: meta };
    if (subresource === 'status') out = { ...clone(old), status: o.status };
    else if (r.statusSubresource) {
      if (old.status === undefined) delete out.status;
      else out.status = clone(old.status);
    }
    if (r.kind === 'Namespace' && subresource !== 'status') out.spec = old.spec;
    if (r.kind === 'Secret') {
      const s = out as Record<string, unknown>;
      if (s.stringData && typeof s.stringData === 'object') {
        const data = { ...asObj(s.data) };
        for (const [k, v] of Object.entries(s.stringData as object)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
        s.data = data;
        delete s.stringData;
      }
    }
    if (r.generation && subresource !== 'status') {
      const changed = r.kind === 'MutatingWebhookConfiguration' ? stable(out.webhooks) !== stable(old.webhooks) : stable(out.spec) !== stable(old.spec);
      if (changed) (out.metadata as Record<string, unknown>).generation = (Number(oldMeta.generation) || 1) + 1;
    }
    return out;
  }

  private async commitUpdate(w: Writer, r: ResourceDef, o: KubeObject, old: KubeObject, opts: WriteOptions, subresource?: string): Promise<KubeObject> {
    const strategy = STRATEGIES[r.kind] ?? {};
    const errors = [...validateMeta(r, o), ...(strategy.validate?.(o) ?? []), ...(subresource === 'status' ? [] : (strategy.validateUpdate?.(o, old) ?? []))];
    if (errors.length) throw this.invalidError(r, o, errors);
    // A no-op update keeps the resourceVersion and sends no watch event, like the apiserver.
    if (stable(o) === stable(old) || opts.dryRun) return o;
    return w.update(r, o, old);
  }

  async update(r: ResourceDef, namespace: string | undefined, name: string, body: KubeObject, opts: WriteOptions = {}, subresource?: string): Promise<KubeObject> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request must be a JSON object');
    this.checkType(r, body);
    this.checkBody(r, body, opts);
    const bodyName = body.metadata?.name;
    if (bodyName && bodyName !== name) throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    if (r.namespaced && body.metadata?.namespace && body.metadata.namespace !== namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    return this.repo.write(async (w) => {
      const old = await w.get(r, namespace, name);
      if (!old) throw notFound(r, name);
      const o = this.prepareUpdate(r, clone(body), old, subresource);
      return this.commitUpdate(w, r, o, old, opts, subresource);
    });
  }

  async patch(r: ResourceDef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOptions = {}, subresource?: string): Promise<KubeObject> {
    return this.repo.write(async (w) => {
      const old = await w.get(r, namespace, name);
      if (!old) throw notFound(r, name);
      const patched = (type === 'json' ? applyJsonPatch(old, patch) : type === 'merge' ? applyMergePatch(old, patch) : applyStrategicMergePatch(old, patch)) as KubeObject;
      if (!patched || typeof patched !== 'object' || Array.isArray(patched)) throw badRequest('the patched object must be a JSON object');
      this.checkType(r, patched);
      this.checkBody(r, patched, opts);
      const pm = patched.metadata ?? {};
      if (pm.name !== undefined && pm.name !== name) throw badRequest(`the name of the object (${String(pm.name)}) does not match the name on the URL (${name})`);
      const o = this.prepareUpdate(r, patched, old, subresource);
      return this.commitUpdate(w, r, o, old, opts, subresource);
    });
  }

  /** Read-modify-write with retries on conflict, for controllers. */
  async mutate(r: ResourceDef, namespace: string | undefined, name: string, fn: (o: KubeObject) => KubeObject | undefined, subresource?: string): Promise<KubeObject | undefined> {
    return this.repo.write(async (w) => {
      const old = await w.get(r, namespace, name);
      if (!old) return undefined;
      const next = fn(clone(old));
      if (!next) return old;
      const o = this.prepareUpdate(r, next, old, subresource);
      return this.commitUpdate(w, r, o, old, {}, subresource);
    });
  }

  async delete(r: ResourceDef, namespace: string | undefined, name: string, opts: { dryRun?: boolean; preconditions?: { uid?: string; resourceVersion?: string }; orphan?: boolean } = {}): Promise<KubeObject> {
    if (r === NAMESPACES && IMMORTAL_NAMESPACES.has(name)) throw forbidden(NAMESPACES, name, 'this namespace may not be deleted');
    return this.repo.write(async (w) => {
      const old = await w.get(r, namespace, name);
      if (!old) throw notFound(r, name);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== old.metadata?.uid)
        throw conflict(r, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata?.uid ?? ''}`);
      if (pre?.resourceVersion && pre.resourceVersion !== old.metadata?.resourceVersion)
        throw conflict(r, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata?.resourceVersion ?? ''}`);
      if (opts.dryRun) return old;
      if (opts.orphan) await this.orphanDependents(w, old);
      if (r === NAMESPACES) {
        // Graceful, as in kube: the namespace turns Terminating; the namespace controller
        // (controllers.ts) empties it and then removes it.
        if (old.metadata?.deletionTimestamp) return old;
        const next = clone(old);
        (next.metadata as Record<string, unknown>).deletionTimestamp = timestamp(this.deps.now());
        next.status = { ...asObj(next.status), phase: 'Terminating' };
        return w.update(r, next, old);
      }
      return w.delete(r, old);
    });
  }

  /** The namespace controller's work: everything in a terminating namespace, then the namespace. */
  async finalizeNamespace(name: string): Promise<void> {
    await this.repo.write(async (w) => {
      const ns = await w.get(NAMESPACES, undefined, name);
      if (!ns?.metadata?.deletionTimestamp) return;
      for (const nr of RESOURCES.filter((x) => x.namespaced)) for (const item of await w.list(nr, name)) await w.delete(nr, item);
      await w.delete(NAMESPACES, ns);
    });
  }

  private async orphanDependents(w: Writer, owner: KubeObject): Promise<void> {
    const uid = owner.metadata?.uid;
    const ns = owner.metadata?.namespace;
    if (!uid || !ns) return;
    for (const nr of RESOURCES.filter((x) => x.namespaced)) {
      for (const item of await w.list(nr, ns)) {
        const refs = item.metadata?.ownerReferences ?? [];
        if (!refs.some((ref) => ref.uid === uid)) continue;
        const next = clone(item);
        (next.metadata as NonNullable<KubeObject['metadata']>).ownerReferences = refs.filter((ref) => ref.uid !== uid);
        await w.update(nr, next, item);
      }
    }
  }

  /** Immediate writes for controllers inside their own transaction. */
  write<T>(fn: (w: Writer) => Promise<T>): Promise<T> {
    return this.repo.write(fn);
  }

  static randomBytes(size: number): Uint8Array {
    return randomBytes(size);
  }
}
