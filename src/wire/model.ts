/**
 * The subset of an AWS service model the codecs read (see scripts/gen-aws-models.py): shapes
 * with their constraints, and operations with their input/output shapes. The codecs are written
 * once and driven by this data, as AWS's own SDKs are.
 */
export interface ShapeRef {
  readonly shape: string;
  readonly locationName?: string;
  readonly flattened?: boolean;
  readonly timestampFormat?: string;
  readonly idempotencyToken?: boolean;
  /** REST protocols: where the member travels (`uri`, `querystring`, `header`, `headers`, `statusCode`); the body when absent. */
  readonly location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  readonly xmlNamespace?: { readonly uri: string; readonly prefix?: string };
  readonly xmlAttribute?: boolean;
  readonly jsonvalue?: boolean;
  readonly hostLabel?: boolean;
  readonly eventpayload?: boolean;
  readonly eventheader?: boolean;
  readonly contextParam?: { readonly name: string };
}

export interface Shape {
  readonly type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'blob' | 'double' | 'float';
  /** REST protocols: the member that is the whole body. */
  readonly payload?: string;
  readonly streaming?: boolean;
  readonly requiresLength?: boolean;
  readonly eventstream?: boolean;
  readonly document?: boolean;
  readonly union?: boolean;
  /** Nullable primitive (the member may be absent rather than zero). */
  readonly box?: boolean;
  readonly xmlNamespace?: { readonly uri: string; readonly prefix?: string };
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly required?: readonly string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly flattened?: boolean;
  readonly locationName?: string;
  readonly timestampFormat?: string;
  readonly sensitive?: boolean;
  readonly exception?: boolean;
  readonly error?: { readonly code?: string; readonly httpStatusCode?: number; readonly senderFault?: boolean };
}

export interface OperationModel {
  readonly http: { readonly method: string; readonly requestUri: string; readonly responseCode?: number };
  /** Flexible checksums: whether the operation requires one, and the member naming the algorithm. */
  readonly httpChecksum?: { readonly requestChecksumRequired?: boolean; readonly requestAlgorithmMember?: string; readonly requestValidationModeMember?: string; readonly responseAlgorithms?: readonly string[] };
  /** REST-XML: the root element of the request body (`CreateBucketConfiguration`). */
  readonly inputLocationName?: string;
  readonly input?: string;
  readonly output?: string;
  readonly resultWrapper?: string;
  readonly errors: readonly string[];
  /** AWS accepts the operation without a signature (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  readonly unsigned?: boolean;
}

export interface ServiceModel {
  readonly metadata: {
    readonly apiVersion: string;
    readonly protocol: string;
    readonly xmlNamespace?: string;
    readonly signingName?: string;
    readonly endpointPrefix?: string;
    readonly targetPrefix?: string;
    readonly jsonVersion?: string;
  };
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

export function shapeOf(model: ServiceModel, name: string): Shape {
  const s = model.shapes[name];
  if (!s) throw new TypeError(`shape ${name} is not in the ${model.metadata.endpointPrefix ?? ''} model`);
  return s;
}
