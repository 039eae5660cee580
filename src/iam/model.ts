/**
 * IAM entities as stored: plain JSON documents in the store (kind, scope, key). Field names
 * follow IAM's, camelCased. Dates are ISO 8601 strings.
 */
export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface UserDoc {
  readonly [k: string]: unknown;
  userName: string;
  userId: string;
  path: string;
  arn: string;
  createDate: string;
  tags: Tag[];
  permissionsBoundary?: string | undefined;
}

export interface AccessKeyDoc {
  readonly [k: string]: unknown;
  accessKeyId: string;
  account: string;
  userName: string;
  /** The secret, sealed with the data directory's key (never stored in clear). */
  secretSealed: string;
  status: 'Active' | 'Inactive';
  createDate: string;
}

export interface RoleDoc {
  readonly [k: string]: unknown;
  roleName: string;
  roleId: string;
  path: string;
  arn: string;
  createDate: string;
  /** The trust policy exactly as submitted. */
  assumeRolePolicyDocument: string;
  description?: string | undefined;
  maxSessionDuration: number;
  permissionsBoundary?: string | undefined;
  tags: Tag[];
}

export interface PolicyDoc {
  readonly [k: string]: unknown;
  policyName: string;
  policyId: string;
  path: string;
  arn: string;
  description?: string | undefined;
  defaultVersionId: string;
  /** Version ids are never reused: the next one to hand out. */
  nextVersion: number;
  createDate: string;
  updateDate: string;
  tags: Tag[];
}

export interface PolicyVersionDoc {
  readonly [k: string]: unknown;
  versionId: string;
  document: string;
  createDate: string;
}

export interface AttachmentDoc {
  readonly [k: string]: unknown;
  policyArn: string;
  policyName: string;
}

export interface AttachedEntityDoc {
  readonly [k: string]: unknown;
  entityType: 'role' | 'user';
  name: string;
  id: string;
  /** Attached as a permissions policy, or set as a permissions boundary. */
  usage: 'PermissionsPolicy' | 'PermissionsBoundary';
}

export interface InlinePolicyDoc {
  readonly [k: string]: unknown;
  policyName: string;
  document: string;
}

export interface OidcProviderDoc {
  readonly [k: string]: unknown;
  arn: string;
  /** The URL without its scheme, as IAM keys providers (`host[:port]/path`). */
  url: string;
  clientIDList: string[];
  thumbprintList: string[];
  tags: Tag[];
  createDate: string;
}

/** Store kinds and scopes. Names are looked up case-insensitively (IAM names are). */
export const K = {
  user: 'iam.user',
  accessKey: 'iam.accessKey',
  userAccessKey: 'iam.userAccessKey',
  role: 'iam.role',
  policy: 'iam.policy',
  policyVersion: 'iam.policyVersion',
  attached: 'iam.attached',
  attachedTo: 'iam.attachedTo',
  inline: 'iam.inline',
  oidc: 'iam.oidcProvider',
} as const;

export type EntityType = 'role' | 'user';

/** Scope of an entity's attachments and inline policies. */
export const entityScope = (type: EntityType, account: string, name: string): string => `${type}:${account}:${name.toLowerCase()}`;
/** Scope of a managed policy's versions and attachments: its ARN, lowercased. */
export const policyScope = (arn: string): string => arn.toLowerCase();
