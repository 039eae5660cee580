/**
 * Decodes the Kubernetes protobuf request bodies kubectl's typed client sends (`create
 * namespace|serviceaccount|token|configmap|secret|deployment`) into the JSON objects the rest of
 * the API works on. The envelope is the magic `k8s\0` then a `runtime.Unknown` wrapping the
 * object's bytes; field numbers are those of k8s.io/api's generated.proto.
 * Byte-level reading is @bufbuild/protobuf's BinaryReader (a maintained wire-format reader).
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { KubeObject } from '../contracts.js';
import { KubeStatusError } from './errors.js';

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type FieldType = 'string' | 'bytes' | 'int' | 'bool' | 'msg' | 'map' | 'mapBytes' | 'mapQuantity' | 'time' | 'intOrString' | 'quantity';
interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly msg?: Message;
  readonly repeated?: boolean;
  /** Pointer fields in Go: a zero value on the wire was set on purpose. */
  readonly keepZero?: boolean;
}
type Message = Readonly<Record<number, Field>>;

const s = (name: string): Field => ({ name, type: 'string' });
const rs = (name: string): Field => ({ name, type: 'string', repeated: true });
const int = (name: string, keepZero = false): Field => ({ name, type: 'int', keepZero });
const bool = (name: string, keepZero = false): Field => ({ name, type: 'bool', keepZero });
const msg = (name: string, m: Message, repeated = false): Field => ({ name, type: 'msg', msg: m, repeated });
const map = (name: string): Field => ({ name, type: 'map' });

const OWNER_REFERENCE: Message = { 1: s('kind'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: bool('controller', true), 7: bool('blockOwnerDeletion', true) };
const OBJECT_META: Message = {
  1: s('name'),
  2: s('generateName'),
  3: s('namespace'),
  4: s('selfLink'),
  5: s('uid'),
  6: s('resourceVersion'),
  7: int('generation'),
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: int('deletionGracePeriodSeconds', true),
  11: map('labels'),
  12: map('annotations'),
  13: msg('ownerReferences', OWNER_REFERENCE, true),
  14: rs('finalizers'),
};
const OBJECT_REFERENCE: Message = { 1: s('kind'), 2: s('namespace'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: s('resourceVersion'), 7: s('fieldPath') };
const LOCAL_REF: Message = { 1: s('name') };
const LABEL_SELECTOR: Message = { 1: map('matchLabels'), 2: msg('matchExpressions', { 1: s('key'), 2: s('operator'), 3: rs('values') }, true) };
const ENV_VAR: Message = { 1: s('name'), 2: s('value') };
const CONTAINER_PORT: Message = { 1: s('name'), 2: int('hostPort'), 3: int('containerPort'), 4: s('protocol'), 5: s('hostIP') };
const VOLUME_MOUNT: Message = { 1: s('name'), 2: bool('readOnly'), 3: s('mountPath'), 4: s('subPath') };
const RESOURCES: Message = { 1: { name: 'limits', type: 'mapQuantity' }, 2: { name: 'requests', type: 'mapQuantity' } };
const CONTAINER: Message = {
  1: s('name'),
  2: s('image'),
  3: rs('command'),
  4: rs('args'),
  5: s('workingDir'),
  6: msg('ports', CONTAINER_PORT, true),
  7: msg('env', ENV_VAR, true),
  8: msg('resources', RESOURCES),
  9: msg('volumeMounts', VOLUME_MOUNT, true),
  13: s('terminationMessagePath'),
  14: s('imagePullPolicy'),
  16: bool('stdin'),
  17: bool('stdinOnce'),
  18: bool('tty'),
  20: s('terminationMessagePolicy'),
};
const POD_SPEC: Message = {
  2: msg('containers', CONTAINER, true),
  3: s('restartPolicy'),
  4: int('terminationGracePeriodSeconds', true),
  5: int('activeDeadlineSeconds', true),
  6: s('dnsPolicy'),
  7: map('nodeSelector'),
  8: s('serviceAccountName'),
  9: s('serviceAccount'),
  10: s('nodeName'),
  11: bool('hostNetwork'),
  15: msg('imagePullSecrets', LOCAL_REF, true),
  16: s('hostname'),
  17: s('subdomain'),
  19: s('schedulerName'),
  20: msg('initContainers', CONTAINER, true),
  21: bool('automountServiceAccountToken', true),
};
const POD_TEMPLATE: Message = { 1: msg('metadata', OBJECT_META), 2: msg('spec', POD_SPEC) };
const INT_OR_STRING: Field = { name: '', type: 'intOrString' };

/** Top-level messages by `apiVersion/kind`. */
const KINDS: Record<string, Message> = {
  'v1/Namespace': { 1: msg('metadata', OBJECT_META), 2: msg('spec', { 1: rs('finalizers') }), 3: msg('status', { 1: s('phase') }) },
  'v1/ServiceAccount': {
    1: msg('metadata', OBJECT_META),
    2: msg('secrets', OBJECT_REFERENCE, true),
    3: msg('imagePullSecrets', LOCAL_REF, true),
    4: bool('automountServiceAccountToken', true),
  },
  'authentication.k8s.io/v1/TokenRequest': {
    1: msg('metadata', OBJECT_META),
    2: msg('spec', { 1: rs('audiences'), 4: int('expirationSeconds', true), 3: msg('boundObjectRef', { 1: s('kind'), 2: s('apiVersion'), 3: s('name'), 4: s('uid') }) }),
  },
  'v1/ConfigMap': { 1: msg('metadata', OBJECT_META), 2: map('data'), 3: { name: 'binaryData', type: 'mapBytes' }, 4: bool('immutable', true) },
  'v1/Secret': { 1: msg('metadata', OBJECT_META), 2: { name: 'data', type: 'mapBytes' }, 3: s('type'), 4: map('stringData'), 5: bool('immutable', true) },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    1: msg('metadata', OBJECT_META),
    2: msg('spec', {
      1: msg('resourceAttributes', { 1: s('namespace'), 2: s('verb'), 3: s('group'), 4: s('version'), 5: s('resource'), 6: s('subresource'), 7: s('name') }),
      2: msg('nonResourceAttributes', { 1: s('path'), 2: s('verb') }),
    }),
  },
  'v1/Pod': { 1: msg('metadata', OBJECT_META), 2: msg('spec', POD_SPEC) },
  'apps/v1/Deployment': {
    1: msg('metadata', OBJECT_META),
    2: msg('spec', {
      1: int('replicas', true),
      2: msg('selector', LABEL_SELECTOR),
      3: msg('template', POD_TEMPLATE),
      4: msg('strategy', { 1: s('type'), 2: msg('rollingUpdate', { 1: { ...INT_OR_STRING, name: 'maxUnavailable' }, 2: { ...INT_OR_STRING, name: 'maxSurge' } }) }),
      5: int('minReadySeconds'),
      6: int('revisionHistoryLimit', true),
      7: bool('paused'),
      9: int('progressDeadlineSeconds', true),
    }),
  },
};

function toNumber(v: bigint | string | number): number {
  return Number(v);
}

function readMapEntry(r: BinaryReader, valueType: 'string' | 'bytes' | 'quantity'): [string, unknown] {
  const end = r.uint32() + r.pos;
  let key = '';
  let value: unknown = valueType === 'bytes' ? '' : '';
  while (r.pos < end) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.LengthDelimited) key = r.string();
    else if (no === 2 && wt === WireType.LengthDelimited) {
      if (valueType === 'string') value = r.string();
      else if (valueType === 'bytes') value = Buffer.from(r.bytes()).toString('base64');
      else value = readQuantity(new BinaryReader(r.bytes()));
    } else r.skip(wt, no);
  }
  return [key, value];
}

function readQuantity(r: BinaryReader): string {
  let out = '';
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.LengthDelimited) out = r.string();
    else r.skip(wt, no);
  }
  return out;
}

function readTime(r: BinaryReader): string | undefined {
  let seconds = 0;
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.Varint) seconds = toNumber(r.int64());
    else r.skip(wt, no);
  }
  return seconds ? new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
}

function readIntOrString(r: BinaryReader): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.Varint) type = toNumber(r.int64());
    else if (no === 2 && wt === WireType.Varint) intVal = r.int32();
    else if (no === 3 && wt === WireType.LengthDelimited) strVal = r.string();
    else r.skip(wt, no);
  }
  return type === 1 ? strVal : intVal;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === '' || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

function decodeMessage(bytes: Uint8Array, m: Message): Record<string, unknown> {
  const r = new BinaryReader(bytes);
  const out: Record<string, unknown> = {};
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    const f = m[no];
    if (!f) {
      r.skip(wt, no);
      continue;
    }
    let v: unknown;
    switch (f.type) {
      case 'string':
        v = r.string();
        break;
      case 'bytes':
        v = Buffer.from(r.bytes()).toString('base64');
        break;
      case 'int':
        v = toNumber(r.int64());
        if (v === 0 && !f.keepZero) v = undefined;
        break;
      case 'bool':
        v = r.bool();
        if (v === false && !f.keepZero) v = undefined;
        break;
      case 'msg':
        v = decodeMessage(r.bytes(), f.msg as Message);
        break;
      case 'time':
        v = readTime(new BinaryReader(r.bytes()));
        break;
      case 'intOrString':
        v = readIntOrString(new BinaryReader(r.bytes()));
        break;
      case 'quantity':
        v = readQuantity(new BinaryReader(r.bytes()));
        break;
      case 'map':
      case 'mapBytes':
      case 'mapQuantity': {
        const [k, val] = readMapEntry(r, f.type === 'map' ? 'string' : f.type === 'mapBytes' ? 'bytes' : 'quantity');
        out[f.name] = { ...(out[f.name] as object | undefined), [k]: val };
        continue;
      }
    }
    if (f.repeated) {
      if (v !== undefined) out[f.name] = [...((out[f.name] as unknown[] | undefined) ?? []), v];
    } else if (!isEmpty(v) || (f.keepZero && v !== undefined)) out[f.name] = v;
  }
  return out;
}

/** Decodes a `k8s\0` + runtime.Unknown body into a JSON object with apiVersion and kind. */
export function decodeKubeProtobuf(body: Buffer): KubeObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(PROTOBUF_MAGIC)) throw new KubeStatusError(400, 'BadRequest', 'provided protobuf body has no "k8s\\0" prefix');
  const r = new BinaryReader(body.subarray(4));
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array();
  try {
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      if (no === 1 && wt === WireType.LengthDelimited) {
        const tm = new BinaryReader(r.bytes());
        while (tm.pos < tm.len) {
          const [n2, w2] = tm.tag();
          if (n2 === 1 && w2 === WireType.LengthDelimited) apiVersion = tm.string();
          else if (n2 === 2 && w2 === WireType.LengthDelimited) kind = tm.string();
          else tm.skip(w2, n2);
        }
      } else if (no === 2 && wt === WireType.LengthDelimited) raw = r.bytes();
      else r.skip(wt, no);
    }
    const m = KINDS[`${apiVersion}/${kind}`];
    if (!m) throw new KubeStatusError(415, 'UnsupportedMediaType', `the protobuf encoding of ${apiVersion}/${kind} is not supported by this server; send application/json`);
    return { apiVersion, kind, ...decodeMessage(raw, m) };
  } catch (e) {
    if (e instanceof KubeStatusError) throw e;
    throw new KubeStatusError(400, 'BadRequest', `unable to decode the protobuf body: ${(e as Error).message}`);
  }
}
