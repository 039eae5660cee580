/**
 * Known fields per kind, for `fieldValidation=Strict|Warn` (kube-apiserver's strict JSON decoding).
 * Covers the top level and the commonly written nested structures; a subtree marked `any` is
 * accepted as is. Wrong JSON types are reported like Go's decoder does.
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
 */
export type Schema = 'any' | 'string' | 'number' | 'boolean' | 'map' | 'intOrString' | { readonly [field: string]: Schema } | readonly [Schema];

const str = 'string' as const;
const num = 'number' as const;
const bool = 'boolean' as const;
const map = 'map' as const;
const any = 'any' as const;
const ios = 'intOrString' as const;

const ownerReference: Schema = { apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool };
export const OBJECT_META: Schema = {
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: num,
  creationTimestamp: any,
  deletionTimestamp: any,
  deletionGracePeriodSeconds: num,
  labels: map,
  annotations: map,
  ownerReferences: [ownerReference],
  finalizers: [str],
  managedFields: any,
};

const keySelector: Schema = { name: str, key: str, optional: bool };
const fieldRef: Schema = { apiVersion: str, fieldPath: str };
const resourceFieldRef: Schema = { containerName: str, resource: str, divisor: any };
const envVar: Schema = {
  name: str,
  value: str,
  valueFrom: { fieldRef, resourceFieldRef, configMapKeyRef: keySelector, secretKeyRef: keySelector },
};
const envFrom: Schema = { prefix: str, configMapRef: { name: str, optional: bool }, secretRef: { name: str, optional: bool } };
const port: Schema = { name: str, hostPort: num, containerPort: num, protocol: str, hostIP: str };
const volumeMount: Schema = { name: str, readOnly: bool, recursiveReadOnly: str, mountPath: str, subPath: str, mountPropagation: str, subPathExpr: str };
const resources: Schema = { limits: map, requests: map, claims: any };
const probe: Schema = {
  exec: { command: [str] },
  httpGet: { path: str, port: ios, host: str, scheme: str, httpHeaders: any },
  tcpSocket: { port: ios, host: str },
  grpc: { port: num, service: str },
  initialDelaySeconds: num,
  timeoutSeconds: num,
  periodSeconds: num,
  successThreshold: num,
  failureThreshold: num,
  terminationGracePeriodSeconds: num,
};
const container: Schema = {
  name: str,
  image: str,
  command: [str],
  args: [str],
  workingDir: str,
  ports: [port],
  envFrom: [envFrom],
  env: [envVar],
  resources,
  resizePolicy: any,
  restartPolicy: str,
  volumeMounts: [volumeMount],
  volumeDevices: any,
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle: any,
  terminationMessagePath: str,
  terminationMessagePolicy: str,
  imagePullPolicy: str,
  securityContext: any,
  stdin: bool,
  stdinOnce: bool,
  tty: bool,
};
const keyToPath: Schema = { key: str, path: str, mode: num };
const projection: Schema = {
  serviceAccountToken: { audience: str, expirationSeconds: num, path: str },
  configMap: { name: str, items: [keyToPath], optional: bool },
  secret: { name: str, items: [keyToPath], optional: bool },
  downwardAPI: { items: [{ path: str, fieldRef, resourceFieldRef, mode: num }] },
  clusterTrustBundle: any,
};
const volume: Schema = {
  name: str,
  projected: { sources: [projection], defaultMode: num },
  configMap: { name: str, items: [keyToPath], defaultMode: num, optional: bool },
  secret: { secretName: str, items: [keyToPath], defaultMode: num, optional: bool },
  emptyDir: { medium: str, sizeLimit: any },
  hostPath: { path: str, type: str },
  downwardAPI: any,
  persistentVolumeClaim: { claimName: str, readOnly: bool },
  ephemeral: any,
  csi: any,
  nfs: any,
  image: any,
  awsElasticBlockStore: any,
};
export const POD_SPEC: Schema = {
  volumes: [volume],
  initContainers: [container],
  containers: [container],
  ephemeralContainers: any,
  restartPolicy: str,
  terminationGracePeriodSeconds: num,
  activeDeadlineSeconds: num,
  dnsPolicy: str,
  nodeSelector: map,
  serviceAccountName: str,
  serviceAccount: str,
  automountServiceAccountToken: bool,
  nodeName: str,
  hostNetwork: bool,
  hostPID: bool,
  hostIPC: bool,
  shareProcessNamespace: bool,
  securityContext: any,
  imagePullSecrets: [{ name: str }],
  hostname: str,
  subdomain: str,
  affinity: any,
  schedulerName: str,
  tolerations: [{ key: str, operator: str, value: str, effect: str, tolerationSeconds: num }],
  hostAliases: [{ ip: str, hostnames: [str] }],
  priorityClassName: str,
  priority: num,
  dnsConfig: any,
  readinessGates: [{ conditionType: str }],
  runtimeClassName: str,
  enableServiceLinks: bool,
  preemptionPolicy: str,
  overhead: map,
  topologySpreadConstraints: any,
  setHostnameAsFQDN: bool,
  os: { name: str },
  hostUsers: bool,
  schedulingGates: [{ name: str }],
  resourceClaims: any,
  resources,
};
const templateSpec: Schema = { metadata: OBJECT_META, spec: POD_SPEC };
const labelSelector: Schema = { matchLabels: map, matchExpressions: [{ key: str, operator: str, values: [str] }] };

const top = (fields: Record<string, Schema>): Schema => ({ apiVersion: str, kind: str, metadata: OBJECT_META, ...fields });

/** Schemas by kind; kinds without one are not checked. */
export const SCHEMAS: Record<string, Schema> = {
  Pod: top({ spec: POD_SPEC, status: any }),
  Namespace: top({ spec: { finalizers: [str] }, status: any }),
  ServiceAccount: top({ secrets: [any], imagePullSecrets: [{ name: str }], automountServiceAccountToken: bool }),
  ConfigMap: top({ data: map, binaryData: map, immutable: bool }),
  Secret: top({ data: map, stringData: map, type: str, immutable: bool }),
  Event: top({
    involvedObject: any,
    reason: str,
    message: str,
    source: any,
    firstTimestamp: any,
    lastTimestamp: any,
    count: num,
    type: str,
    eventTime: any,
    series: any,
    action: str,
    related: any,
    reportingComponent: str,
    reportingInstance: str,
  }),
  Deployment: top({
    spec: {
      replicas: num,
      selector: labelSelector,
      template: templateSpec,
      strategy: { type: str, rollingUpdate: { maxUnavailable: ios, maxSurge: ios } },
      minReadySeconds: num,
      revisionHistoryLimit: num,
      paused: bool,
      progressDeadlineSeconds: num,
    },
    status: any,
  }),
  ReplicaSet: top({ spec: { replicas: num, minReadySeconds: num, selector: labelSelector, template: templateSpec }, status: any }),
  MutatingWebhookConfiguration: top({
    webhooks: [
      {
        name: str,
        clientConfig: { url: str, service: { namespace: str, name: str, path: str, port: num }, caBundle: str },
        rules: [{ operations: [str], apiGroups: [str], apiVersions: [str], resources: [str], scope: str }],
        failurePolicy: str,
        matchPolicy: str,
        namespaceSelector: labelSelector,
        objectSelector: labelSelector,
        sideEffects: str,
        timeoutSeconds: num,
        admissionReviewVersions: [str],
        reinvocationPolicy: str,
        matchConditions: any,
      },
    ],
  }),
  TokenRequest: top({ spec: { audiences: [str], expirationSeconds: num, boundObjectRef: { kind: str, apiVersion: str, name: str, uid: str } }, status: any }),
};

const GO_TYPE: Record<string, string> = { string: 'string', number: 'int32', boolean: 'bool', map: 'map[string]string' };

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

export interface FieldProblems {
  /** `unknown field "spec.foo"` */
  readonly unknown: string[];
  /** Go decoder type errors; always fatal. */
  readonly types: string[];
}

/** Walks `value` against `schema`, collecting unknown-field paths and type mismatches. */
export function checkFields(schema: Schema, value: unknown, at = '', out: FieldProblems = { unknown: [], types: [] }): FieldProblems {
  if (value === null || value === undefined || schema === 'any') return out;
  if (schema === 'intOrString') {
    if (typeof value !== 'string' && typeof value !== 'number') out.types.push(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${at} of type intstr.IntOrString`);
    return out;
  }
  if (typeof schema === 'string') {
    const ok = schema === 'map' ? jsonType(value) === 'object' : typeof value === schema;
    if (!ok) out.types.push(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${at} of type ${GO_TYPE[schema] ?? schema}`);
    return out;
  }
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) {
      out.types.push(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${at} of type []`);
      return out;
    }
    value.forEach((v, i) => checkFields(schema[0] as Schema, v, `${at}[${i}]`, out));
    return out;
  }
  if (jsonType(value) !== 'object') {
    out.types.push(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${at} of type object`);
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = at ? `${at}.${k}` : k;
    const sub = (schema as Record<string, Schema>)[k];
    if (sub === undefined) out.unknown.push(`unknown field "${p}"`);
    else checkFields(sub, v, p, out);
  }
  return out;
}
