import type { ExplainWorld, IamView, ProviderView, RoleView } from '../explain/world.js';
import type { IamEnv } from '../iam/env.js';
import { K, type OidcProviderDoc, type RoleDoc } from '../iam/model.js';
import type { PolicyCache } from '../iam/principal-policies.js';
import { Writer } from '../kube/api/repository.js';
import { PODS, SERVICE_ACCOUNTS } from '../kube/api/resources.js';
import { DEFAULT_ANNOTATION_PREFIX, DEFAULT_AUDIENCE, DEFAULT_MOUNT_PATH, DEFAULT_TOKEN_EXPIRATION } from '../kube/webhook/constants.js';
import { PolicySet } from '../policy/index.js';
import { S3_KIND } from '../services/s3/model.js';
import { nameKey, scopeOf } from '../services/secretsmanager/ids.js';
import { SECRET_KIND, type SecretDoc } from '../services/secretsmanager/model.js';
import type { BucketDoc } from '../services/s3/model.js';
import type { Store } from '../store/store.js';
import { scopedStore } from './kube.js';

/**
 * The explainer's view of a running installation: one cluster's objects (from the store, scoped
 * as its API keeps them), the account's IAM (providers, roles and their policies, bucket
 * policies), and the issuers this installation runs (trusted through its CA, whatever the
 * provider's thumbprints say — as STS here trusts them).
 */
export function storeWorld(options: {
  store: Store;
  env: IamEnv;
  cache: PolicyCache;
  account: string;
  cluster: { name: string; issuerUrl: string | undefined };
  localIssuers: readonly string[];
  now: Date;
}): ExplainWorld {
  const kube = scopedStore(options.store, options.cluster.name);
  const read = <T>(fn: (w: Writer) => Promise<T>): Promise<T> => kube.read((t) => fn(new Writer(t)));
  const iam: IamView = {
    account: options.account,
    partition: options.env.partition,
    providers: async () =>
      (await options.store.read((t) => t.list<OidcProviderDoc>(K.oidc, options.account))).map(
        ({ doc }): ProviderView => ({ arn: doc.arn, url: doc.url, clientIds: doc.clientIDList, thumbprints: doc.thumbprintList }),
      ),
    role: async (arn) => {
      const m = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
      if (!m || m[1] !== options.account) return undefined;
      const loaded = await options.cache.forEntity('role', options.account, m[2] as string);
      if (!loaded) return undefined;
      const role = loaded.entity as RoleDoc;
      if (role.arn !== arn) return undefined;
      const scope = `role:${options.account}:${role.roleName.toLowerCase()}`;
      const { attached, inline } = await options.store.read(async (t) => ({
        attached: (await t.list<{ policyArn: string }>(K.attached, scope)).map((d) => d.doc.policyArn),
        inline: (await t.list<{ policyName: string }>(K.inline, scope)).map((d) => d.doc.policyName),
      }));
      const view: RoleView = {
        arn: role.arn,
        name: role.roleName,
        roleId: role.roleId,
        trustDocument: role.assumeRolePolicyDocument,
        trust: new PolicySet([options.cache.compile(`${role.arn}:trust`, role.assumeRolePolicyDocument, 'trust')]),
        identity: loaded.identity,
        boundary: loaded.boundary,
        boundaryArn: role.permissionsBoundary,
        attachedPolicyArns: attached,
        inlinePolicyNames: inline,
        maxSessionDuration: role.maxSessionDuration,
      };
      return view;
    },
    rolesTrusting: async (text) => {
      const docs = await options.store.read((t) => t.list<RoleDoc>(K.role, options.account));
      const out: RoleView[] = [];
      for (const { doc } of docs) {
        if (!doc.assumeRolePolicyDocument.includes(text)) continue;
        const view = await iam.role(doc.arn);
        if (view) out.push(view);
      }
      return out;
    },
    resourcePolicy: async (resourceArn) => {
      // A secret's resource policy: arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX.
      const sm = /^arn:[^:]+:secretsmanager:([^:]+):(\d{12}):secret:(.+)-[A-Za-z0-9]{6}$/.exec(resourceArn);
      if (sm) {
        const secret = await options.store.read((t) => t.get<SecretDoc>(SECRET_KIND, scopeOf({ partition: options.env.partition, account: sm[2] as string, region: sm[1] as string }), nameKey(sm[3] as string)));
        if (!secret?.policy || secret.arn !== resourceArn) return undefined;
        return { set: new PolicySet([options.cache.compile(`${secret.arn}:resource-policy`, secret.policy, 'resource')]), account: sm[2] as string };
      }
      const m = /^arn:[^:]+:s3:::([^/]+)/.exec(resourceArn);
      if (!m) return undefined;
      const bucket = await options.store.read((t) => t.get<BucketDoc>(S3_KIND.bucket, '', m[1] as string));
      if (!bucket?.policy) return undefined;
      return { set: new PolicySet([options.cache.compile(`arn:aws:s3:::${m[1]}:bucket-policy`, bucket.policy, 'resource')]), account: options.account };
    },
    issuerTrusted: async (provider) => (options.localIssuers.some((u) => u.replace(/^https:\/\//, '') === provider.url) ? true : undefined),
  };
  return {
    now: options.now,
    iam,
    cluster: {
      name: options.cluster.name,
      issuerUrl: options.cluster.issuerUrl,
      // irsa up runs the webhook with its defaults (src/server/kube.ts).
      webhook: { annotationPrefix: DEFAULT_ANNOTATION_PREFIX, audience: DEFAULT_AUDIENCE, mountPath: DEFAULT_MOUNT_PATH, tokenExpiration: DEFAULT_TOKEN_EXPIRATION },
      serviceAccount: (ns, name) => read((w) => w.get(SERVICE_ACCOUNTS, ns, name)),
      serviceAccounts: (ns) => read((w) => w.list(SERVICE_ACCOUNTS, ns)),
      pod: (ns, name) => read((w) => w.get(PODS, ns, name)),
      pods: (ns) => read((w) => w.list(PODS, ns)),
    },
  };
}
