/**
 * The trust-policy explainer: for each common IRSA trust mistake, the decision (which must be
 * STS's), the deciding statement, the broken element and the one-line fix. The last suite runs
 * the real STS AssumeRoleWithWebIdentity in process (sqlite store, an HTTPS test issuer, signed
 * tokens) and checks that the explainer's verdict is STS's for the same trust policy and token.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { trustPolicy as eksctlTrustPolicy } from '../../src/eksctl/trust-policy.js';
import {
  admittedServiceAccounts,
  broadSubjectScope,
  explainTrust,
  formatTrustExplanation,
  TRUST_CODES,
  type TrustExplanation,
  type TrustInput,
} from '../../src/explain/trust.js';
import { Authorizer } from '../../src/iam/authorizer.js';
import type { IamEnv } from '../../src/iam/env.js';
import { createOpenIDConnectProvider } from '../../src/iam/oidc-providers.js';
import { PolicyCache } from '../../src/iam/principal-policies.js';
import { createRole, updateAssumeRolePolicy } from '../../src/iam/roles.js';
import { JwksClient } from '../../src/oidc/jwks-client.js';
import { loadPolicySet, type PolicySet } from '../../src/policy/index.js';
import { bootstrap, secretSealer } from '../../src/server/bootstrap.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { assumeRoleWithWebIdentity, type StsDeps } from '../../src/sts/operations.js';
import { SessionSealer } from '../../src/sts/session.js';
import { webIdentityRequest } from '../../src/sts/web-identity-context.js';
import { signingKey, signToken, startIdp, type SigningKey, type TestIdp } from '../oidc/idp.js';
import { createTestCa, issueCert } from '../support/tls.js';

const ACCOUNT = '393035689023';
const URL = 'oidc.eks.us-east-1.amazonaws.com/id/8DXXX1CDXXXBFFXXX757XXXC95XXXD86';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${URL}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/weasel-eks-pod-role`;
const OTHER_URL = 'oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const SA = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;
const WEASEL = SA('weasel', 'weasel-eks-pod-sa');
const ESC = String.fromCharCode(27);

type Doc = { Version: string; Statement: Record<string, unknown>[] };

function trustSet(doc: Doc | object): PolicySet {
  return loadPolicySet([{ id: `${ROLE}:trust`, document: JSON.stringify(doc) }], 'trust');
}

/** A one-statement trust policy in eksctl's shape, with the given conditions (and overrides). */
function stmt(conditions: Record<string, Record<string, string | string[]>> | undefined, over: Record<string, unknown> = {}): Doc {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', ...(conditions ? { Condition: conditions } : {}), ...over }],
  };
}

const WALKTHROUGH = stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com', [`${URL}:sub`]: WEASEL } });

function explain(doc: Doc | object, claims: Partial<TrustInput['claims']> = {}, over: Partial<TrustInput> = {}): TrustExplanation {
  return explainTrust({
    roleArn: ROLE,
    trustPolicy: trustSet(doc),
    providerArn: PROVIDER,
    providerUrl: URL,
    claims: { sub: WEASEL, aud: 'sts.amazonaws.com', ...claims },
    account: ACCOUNT,
    roleSessionName: 'botocore-session-1700000000',
    ...over,
  });
}

const codes = (e: TrustExplanation) => e.findings.map((f) => f.code);

interface Case {
  readonly name: string;
  readonly doc: Doc | object;
  readonly claims?: Partial<TrustInput['claims']>;
  readonly over?: Partial<TrustInput>;
  readonly allowed: boolean;
  readonly decision?: 'allowed' | 'explicitDeny' | 'implicitDeny';
  readonly statementIndex?: number;
  readonly codes: readonly string[];
  readonly fix?: string | RegExp;
  readonly check?: (e: TrustExplanation) => void;
}

const CASES: readonly Case[] = [
  {
    name: "the walkthrough's trust policy admits weasel/weasel-eks-pod-sa",
    doc: WALKTHROUGH,
    allowed: true,
    statementIndex: 0,
    codes: [],
    check: (e) => {
      assert.deepEqual(
        e.conditions.map((c) => [c.operator, c.key, c.expected, c.actual, c.holds]),
        [
          ['StringEquals', `${URL}:aud`, ['sts.amazonaws.com'], ['sts.amazonaws.com'], true],
          ['StringEquals', `${URL}:sub`, [WEASEL], [WEASEL], true],
        ],
      );
      assert.equal(e.fix, undefined);
    },
  },
  {
    name: 'the trust policy eksctl writes (src/eksctl/trust-policy.ts) admits its ServiceAccount',
    doc: eksctlTrustPolicy(PROVIDER, URL, 'weasel', 'weasel-eks-pod-sa'),
    allowed: true,
    statementIndex: 0,
    codes: [],
  },
  {
    name: 'wrong namespace in :sub',
    doc: WALKTHROUGH,
    claims: { sub: SA('default', 'weasel-eks-pod-sa') },
    allowed: false,
    decision: 'implicitDeny',
    statementIndex: 0,
    codes: [TRUST_CODES.subjectMismatch],
    fix: 'trust policy expects `system:serviceaccount:weasel:weasel-eks-pod-sa`, the pod runs as `system:serviceaccount:default:weasel-eks-pod-sa`',
    check: (e) => {
      assert.equal(e.findings[0]?.details?.['kind'], 'namespace');
      assert.match(e.findings[0]?.message ?? '', /wrong namespace/);
      const sub = e.conditions.find((c) => c.key.endsWith(':sub'));
      assert.deepEqual([sub?.holds, sub?.actual], [false, [SA('default', 'weasel-eks-pod-sa')]]);
      assert.equal(e.conditions.find((c) => c.key.endsWith(':aud'))?.holds, true, 'the audience still holds');
    },
  },
  {
    name: 'wrong ServiceAccount name in :sub',
    doc: WALKTHROUGH,
    claims: { sub: SA('weasel', 'default') },
    allowed: false,
    codes: [TRUST_CODES.subjectMismatch],
    fix: 'trust policy expects `system:serviceaccount:weasel:weasel-eks-pod-sa`, the pod runs as `system:serviceaccount:weasel:default`',
    check: (e) => assert.equal(e.findings[0]?.details?.['kind'], 'serviceAccount'),
  },
  {
    name: 'wrong namespace and ServiceAccount name',
    doc: WALKTHROUGH,
    claims: { sub: SA('default', 'default') },
    allowed: false,
    codes: [TRUST_CODES.subjectMismatch],
    check: (e) => assert.equal(e.findings[0]?.details?.['kind'], 'both'),
  },
  {
    name: 'an expected subject that is not system:serviceaccount:NS:SA (a typo in the prefix)',
    doc: stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com', [`${URL}:sub`]: 'system:serviceacount:weasel:weasel-eks-pod-sa' } }),
    allowed: false,
    codes: [TRUST_CODES.subjectMismatch],
    check: (e) => assert.equal(e.findings[0]?.details?.['kind'], 'format'),
  },
  {
    name: 'StringLike namespace wildcard: allowed, with a broad-subject warning',
    doc: stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${URL}:sub`]: 'system:serviceaccount:weasel:*' } }),
    allowed: true,
    codes: [TRUST_CODES.broadSubject],
    check: (e) => {
      assert.equal(e.findings[0]?.details?.['scope'], 'namespace');
      assert.match(e.findings[0]?.message ?? '', /every ServiceAccount in namespace `weasel`/);
    },
  },
  {
    name: 'StringLike over all namespaces: allowed, with a broad-subject warning',
    doc: stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${URL}:sub`]: 'system:serviceaccount:*' } }),
    allowed: true,
    codes: [TRUST_CODES.broadSubject],
    check: (e) => assert.equal(e.findings[0]?.details?.['scope'], 'allNamespaces'),
  },
  {
    name: 'StringLike on a wrong namespace pattern still explains the namespace',
    doc: stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${URL}:sub`]: 'system:serviceaccount:team-*:weasel-eks-pod-sa' } }),
    allowed: false,
    codes: [TRUST_CODES.subjectMismatch],
    check: (e) => assert.equal(e.findings[0]?.details?.['kind'], 'namespace'),
  },
  {
    name: 'a wildcard under StringEquals is compared literally',
    doc: stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com', [`${URL}:sub`]: 'system:serviceaccount:weasel:*' } }),
    allowed: false,
    codes: [TRUST_CODES.subjectMismatch],
    fix: `use StringLike instead of StringEquals for \`${URL}:sub\` in Statement[0]`,
    check: (e) => assert.equal(e.findings[0]?.details?.['kind'], 'literalWildcard'),
  },
  {
    name: 'StringLike without a wildcard is not broad',
    doc: stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${URL}:sub`]: WEASEL } }),
    allowed: true,
    codes: [],
  },
  {
    name: 'no :aud condition: allowed, with a warning',
    doc: stmt({ StringEquals: { [`${URL}:sub`]: WEASEL } }),
    allowed: true,
    codes: [TRUST_CODES.noAudienceCondition],
    fix: `add StringEquals \`${URL}:aud\`: \`sts.amazonaws.com\` to Statement[0]`,
  },
  {
    name: 'no condition at all: allowed, warned twice',
    doc: stmt(undefined, { Sid: 'AnyPod' }),
    allowed: true,
    codes: [TRUST_CODES.noSubjectCondition, TRUST_CODES.noAudienceCondition],
    check: (e) => assert.equal(e.statement?.sid, 'AnyPod'),
  },
  {
    name: 'audience mismatch',
    doc: WALKTHROUGH,
    claims: { aud: 'my-app' },
    allowed: false,
    codes: [TRUST_CODES.audienceMismatch],
    fix: /^trust policy expects audience `sts\.amazonaws\.com`, the token's audience is `my-app`/,
  },
  {
    name: 'Principal names the provider of another issuer (another cluster)',
    doc: stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com', [`${URL}:sub`]: WEASEL } }, { Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OTHER_URL}` } }),
    allowed: false,
    codes: [TRUST_CODES.principalMismatch],
    fix: `trust policy trusts \`arn:aws:iam::${ACCOUNT}:oidc-provider/${OTHER_URL}\`, the token's issuer maps to \`${PROVIDER}\`: set Principal.Federated to the latter`,
    check: (e) => assert.equal(e.findings[0]?.details?.['kind'], 'issuer'),
  },
  {
    name: 'Principal names the same issuer in another account',
    doc: stmt({ StringEquals: { [`${URL}:sub`]: WEASEL, [`${URL}:aud`]: 'sts.amazonaws.com' } }, { Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${URL}` } }),
    allowed: false,
    codes: [TRUST_CODES.principalMismatch],
    check: (e) => {
      assert.equal(e.findings[0]?.details?.['kind'], 'account');
      assert.match(e.findings[0]?.message ?? '', /another account \(111122223333, the token's provider is in 393035689023\)/);
    },
  },
  {
    name: 'Principal names a provider one character off (a typo)',
    doc: stmt({ StringEquals: { [`${URL}:sub`]: WEASEL, [`${URL}:aud`]: 'sts.amazonaws.com' } }, { Principal: { Federated: PROVIDER.replace('8DXXX1', '8DXXX7') } }),
    allowed: false,
    codes: [TRUST_CODES.principalMismatch],
    check: (e) => assert.equal(e.findings[0]?.details?.['kind'], 'typo'),
  },
  {
    name: 'Principal names an AWS account, not a federated provider',
    doc: stmt({ StringEquals: { [`${URL}:sub`]: WEASEL } }, { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }),
    allowed: false,
    codes: [TRUST_CODES.principalMismatch],
    check: (e) => assert.equal(e.findings[0]?.details?.['kind'], 'notFederated'),
  },
  {
    name: 'a statement for sts:AssumeRole only',
    doc: stmt({ StringEquals: { [`${URL}:sub`]: WEASEL, [`${URL}:aud`]: 'sts.amazonaws.com' } }, { Action: 'sts:AssumeRole' }),
    allowed: false,
    codes: [TRUST_CODES.actionMismatch],
    fix: 'add `sts:AssumeRoleWithWebIdentity` to the Action of Statement[0]',
  },
  {
    name: 'an explicit Deny that matches the token',
    doc: {
      Version: '2012-10-17',
      Statement: [
        WALKTHROUGH.Statement[0],
        { Sid: 'NoWeasel', Effect: 'Deny', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${URL}:sub`]: 'system:serviceaccount:weasel:*' } } },
      ],
    },
    allowed: false,
    decision: 'explicitDeny',
    statementIndex: 1,
    codes: [TRUST_CODES.explicitDeny],
    fix: 'narrow or remove the Deny Statement[1] (Sid "NoWeasel") of the trust policy',
  },
  {
    name: 'a Deny that does not match leaves the Allow deciding',
    doc: {
      Version: '2012-10-17',
      Statement: [
        WALKTHROUGH.Statement[0],
        { Effect: 'Deny', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${URL}:sub`]: SA('kube-system', 'default') } } },
      ],
    },
    allowed: true,
    statementIndex: 0,
    codes: [],
  },
  {
    name: 'condition keys copied from another cluster: the keys are absent from the request',
    doc: stmt({ StringEquals: { [`${OTHER_URL}:aud`]: 'sts.amazonaws.com', [`${OTHER_URL}:sub`]: WEASEL } }),
    allowed: false,
    codes: [TRUST_CODES.conditionKeyOtherProvider, TRUST_CODES.conditionKeyOtherProvider],
    fix: `change the condition key \`${OTHER_URL}:aud\` to \`${URL}:aud\``,
    check: (e) => {
      assert.equal(e.findings[1]?.details?.['provider'], OTHER_URL);
      assert.ok(e.conditions.every((c) => c.actual === undefined && !c.holds));
    },
  },
  {
    name: 'a whole trust policy copied from another cluster: principal and keys',
    doc: stmt({ StringEquals: { [`${OTHER_URL}:sub`]: WEASEL } }, { Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OTHER_URL}` } }),
    allowed: false,
    codes: [TRUST_CODES.principalMismatch, TRUST_CODES.conditionKeyOtherProvider],
  },
  {
    name: 'ForAnyValue:StringEquals on amr holds when the token carries the value',
    doc: stmt({ StringEquals: { [`${URL}:sub`]: WEASEL, [`${URL}:aud`]: 'sts.amazonaws.com' }, 'ForAnyValue:StringEquals': { [`${URL}:amr`]: 'authenticated' } }),
    claims: { amr: ['unauthenticated-not', 'authenticated'] },
    allowed: true,
    codes: [],
    check: (e) => assert.deepEqual(e.conditions.find((c) => c.key.endsWith(':amr'))?.actual, ['unauthenticated-not', 'authenticated']),
  },
  {
    name: 'ForAnyValue:StringEquals on amr fails when the token has no amr',
    doc: stmt({ StringEquals: { [`${URL}:sub`]: WEASEL, [`${URL}:aud`]: 'sts.amazonaws.com' }, 'ForAnyValue:StringEquals': { [`${URL}:amr`]: 'authenticated' } }),
    allowed: false,
    codes: [TRUST_CODES.conditionFailed],
    check: (e) => {
      assert.match(e.findings[0]?.message ?? '', /ForAnyValue:StringEquals `.*:amr` expects `authenticated`; actual: absent from the request/);
      assert.deepEqual(e.findings[0]?.details?.['expected'], ['authenticated']);
    },
  },
  {
    name: 'session tags need sts:TagSession too',
    doc: WALKTHROUGH,
    over: { tags: [['team', 'weasel']] },
    allowed: false,
    codes: [TRUST_CODES.actionMismatch],
    fix: 'add `sts:TagSession` to the Action of Statement[0]',
    check: (e) => {
      assert.equal(e.deniedAction, 'sts:TagSession');
      assert.match(e.findings[0]?.message ?? '', /session tags/);
    },
  },
  {
    name: 'session tags with sts:TagSession allowed',
    doc: stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com', [`${URL}:sub`]: WEASEL } }, { Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] }),
    over: { tags: [['team', 'weasel']] },
    allowed: true,
    codes: [],
  },
  {
    name: 'the closest of several statements is the one explained first',
    doc: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Ec2', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Sid: 'Other', Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OTHER_URL}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${OTHER_URL}:sub`]: SA('x', 'y') } } },
        { Sid: 'Weasel', Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${URL}:sub`]: WEASEL } } },
      ],
    },
    claims: { sub: SA('default', 'weasel-eks-pod-sa') },
    allowed: false,
    statementIndex: 2,
    codes: [TRUST_CODES.subjectMismatch, TRUST_CODES.principalMismatch, TRUST_CODES.conditionKeyOtherProvider],
    check: (e) => assert.equal(e.statement?.sid, 'Weasel'),
  },
  {
    name: 'a trust policy for an AWS service only has no statement for web identities',
    doc: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    allowed: false,
    codes: [TRUST_CODES.noStatement],
    check: (e) => assert.equal(e.statement, undefined),
  },
  {
    name: 'a condition on sts:RoleSessionName when the session name is unknown',
    doc: stmt({ StringEquals: { [`${URL}:sub`]: WEASEL, [`${URL}:aud`]: 'sts.amazonaws.com' }, StringLike: { 'sts:RoleSessionName': 'weasel-*' } }),
    over: { roleSessionName: undefined },
    allowed: false,
    codes: [TRUST_CODES.conditionFailed],
    check: (e) => assert.match(e.findings[0]?.message ?? '', /session name is chosen by the SDK/),
  },
  {
    name: 'a condition on sts:RoleSessionName that holds',
    doc: stmt({ StringEquals: { [`${URL}:sub`]: WEASEL, [`${URL}:aud`]: 'sts.amazonaws.com' }, StringLike: { 'sts:RoleSessionName': 'weasel-*' } }),
    over: { roleSessionName: 'weasel-1' },
    allowed: true,
    codes: [],
  },
  {
    name: 'condition key names are case-insensitive: an upper-case :sub key is still the subject',
    doc: stmt({ StringEquals: { [`${URL.toUpperCase()}:SUB`]: WEASEL, [`${URL}:aud`]: 'sts.amazonaws.com' } }),
    claims: { sub: SA('weasel', 'other') },
    allowed: false,
    codes: [TRUST_CODES.subjectMismatch],
    check: (e) => assert.equal(e.findings[0]?.details?.['kind'], 'serviceAccount'),
  },
];

describe('explainTrust: table of IRSA trust mistakes', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const e = explain(c.doc, c.claims, c.over);
      assert.equal(e.allowed, c.allowed, JSON.stringify(e.findings));
      assert.equal(e.decision, c.decision ?? (c.allowed ? 'allowed' : e.decision));
      if (c.statementIndex !== undefined) assert.equal(e.statement?.index, c.statementIndex);
      assert.deepEqual(codes(e), c.codes);
      if (typeof c.fix === 'string') assert.equal(e.fix, c.fix);
      else if (c.fix) assert.match(e.fix ?? '', c.fix);
      if (!c.allowed && c.codes.length) assert.ok(e.fix, 'a denial names a fix');
      c.check?.(e);
    });
  }

  it('the request it explains is the one STS builds (provider, keys, multivalued amr, tags)', () => {
    const e = explain(WALKTHROUGH, { amr: ['a', 'b'], azp: 'client-1' }, { tags: [['team', 'weasel']] });
    const ctx = new Map(e.request.context.map(([k, v]) => [k, v]));
    assert.deepEqual(ctx.get(`${URL}:sub`), [WEASEL]);
    assert.deepEqual(ctx.get(`${URL}:aud`), ['sts.amazonaws.com']);
    assert.deepEqual(ctx.get(`${URL}:amr`), ['a', 'b']);
    assert.deepEqual(ctx.get(`${URL}:azp`), ['client-1']);
    assert.deepEqual(ctx.get('aws:FederatedProvider'), [PROVIDER]);
    assert.deepEqual(ctx.get('sts:RoleSessionName'), ['botocore-session-1700000000']);
    assert.deepEqual(ctx.get('aws:TagKeys'), ['team']);
    assert.deepEqual(ctx.get('aws:RequestTag/team'), ['weasel']);
    const built = webIdentityRequest({ providerArn: PROVIDER, providerUrl: URL, audience: 'a', subject: 's', claims: { amr: ['x'] }, roleSessionName: undefined });
    assert.equal(built.context.get(`${URL.toLowerCase()}:amr`)?.list, true, 'a list amr is multivalued, as STS sets it');
    assert.equal(built.context.has('sts:RoleSessionName'), false);
    assert.deepEqual(built.actions, ['sts:AssumeRoleWithWebIdentity']);
  });

  it('loopback issuers with a port: the provider URL keeps it, and keys are matched with it', () => {
    const url = '127.0.0.1:4443/id/X';
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/${url}`;
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { '127.0.0.1:9999/id/X:sub': WEASEL } } }] };
    const base = { roleArn: ROLE, trustPolicy: trustSet(doc), providerArn: provider, providerUrl: url, account: ACCOUNT } as const;
    const e = explainTrust({ ...base, claims: { sub: WEASEL, aud: 'sts.amazonaws.com' } });
    assert.equal(e.allowed, false);
    assert.deepEqual(codes(e), [TRUST_CODES.conditionKeyOtherProvider]);
    assert.equal(e.fix, `change the condition key \`127.0.0.1:9999/id/X:sub\` to \`${url}:sub\``);
  });

  it('formats readable lines without color codes, naming the fix', () => {
    const lines = formatTrustExplanation(explain(WALKTHROUGH, { sub: SA('default', 'weasel-eks-pod-sa') }));
    assert.equal(lines[0], 'trust policy does not allow sts:AssumeRoleWithWebIdentity (closest: Statement[0])');
    assert.ok(lines.includes(`  fails: StringEquals ${URL}:sub \`${WEASEL}\`; actual: ${SA('default', 'weasel-eks-pod-sa')}`), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('    fix: trust policy expects `system:serviceaccount:weasel:weasel-eks-pod-sa`')));
    assert.ok(lines.every((l) => !l.includes(ESC)));
    const ok = formatTrustExplanation(explain(stmt({ StringEquals: { [`${URL}:sub`]: WEASEL } })));
    assert.equal(ok[0], 'trust policy allows sts:AssumeRoleWithWebIdentity by Statement[0]');
    assert.ok(ok.some((l) => l.startsWith('  warning [trust.noAudienceCondition]')));
  });
});

describe('broadSubjectScope', () => {
  const table: [string, string | undefined][] = [
    ['system:serviceaccount:weasel:*', 'namespace'],
    ['system:serviceaccount:*:weasel-eks-pod-sa', 'allNamespaces'],
    ['system:serviceaccount:*', 'allNamespaces'],
    ['*', 'allNamespaces'],
    ['system:*', 'allNamespaces'],
    ['system:serviceaccount:team-*:app', 'namespaces'],
    ['system:serviceaccount:weasel:weasel-*', undefined],
    [WEASEL, undefined],
    ['repo:org/*', undefined],
  ];
  for (const [pattern, scope] of table) {
    it(`${pattern} → ${scope ?? 'narrow'}`, () => assert.equal(broadSubjectScope(pattern)?.scope, scope));
  }
});

describe('admittedServiceAccounts', () => {
  const sas = [
    { namespace: 'weasel', name: 'weasel-eks-pod-sa' },
    { namespace: 'weasel', name: 'other' },
    { namespace: 'default', name: 'weasel-eks-pod-sa' },
  ];
  const provider = { arn: PROVIDER, url: URL };

  it('the walkthrough admits exactly its ServiceAccount', () => {
    assert.deepEqual(admittedServiceAccounts(trustSet(WALKTHROUGH), provider, sas), [sas[0]]);
  });
  it('a namespace wildcard admits every ServiceAccount of the namespace, and no other', () => {
    const doc = stmt({ StringEquals: { [`${URL}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${URL}:sub`]: 'system:serviceaccount:weasel:*' } });
    assert.deepEqual(admittedServiceAccounts(trustSet(doc), provider, sas), [sas[0], sas[1]]);
  });
  it('the audience is checked: a token for another audience is admitted by none', () => {
    assert.deepEqual(admittedServiceAccounts(trustSet(WALKTHROUGH), provider, sas, 'my-app'), []);
  });
  it('a trust policy for another provider admits none', () => {
    assert.deepEqual(admittedServiceAccounts(trustSet(WALKTHROUGH), { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OTHER_URL}`, url: OTHER_URL }, sas), []);
  });
});

/**
 * The real STS operation, in process: for each trust policy and token, STS's answer (credentials
 * or AccessDenied) must be the explainer's verdict.
 */
describe('equivalence with STS AssumeRoleWithWebIdentity', () => {
  let dir = '';
  let store: Store;
  let env: IamEnv;
  let deps: StsDeps;
  let idp: TestIdp;
  let key: SigningKey;
  let account = '';
  let providerArn = '';
  let url = '';
  let roleArn = '';
  const seen = new Set<string>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'irsa-trust-'));
    store = openSqliteStore(join(dir, 'store.db'));
    env = { store, now: () => new Date(), random: (n) => randomBytes(n), partition: 'aws', sealer: secretSealer(randomBytes(32)), cacheTtlMs: Number.POSITIVE_INFINITY, generation: 0 };
    const boot = await bootstrap(store, env, undefined);
    account = boot.account;
    const ca = createTestCa();
    idp = await startIdp(issueCert(ca, ['127.0.0.1']), { path: '/id/TRUSTCLUSTER' });
    key = signingKey('RS256', 'k1');
    idp.keys.push(key.publicJwk);
    url = idp.issuer.slice('https://'.length);
    providerArn = (await createOpenIDConnectProvider(env, account, { url: idp.issuer, clientIDList: ['sts.amazonaws.com', 'my-app'], thumbprintList: [ca.thumbprint] })).openIDConnectProviderArn;
    const cache = new PolicyCache(env);
    deps = { env, account, sealer: new SessionSealer(boot.sessionAead), authorizer: new Authorizer(env, cache), cache, jwks: new JwksClient({ extraCaPem: [ca.certPem] }) };
    const initial = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
    roleArn = (await createRole(env, account, { roleName: 'weasel-eks-pod-role', assumeRolePolicyDocument: JSON.stringify(initial) })).role.arn as string;
  });
  after(async () => {
    await idp?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  type Scenario = { name: string; doc: () => object; sub: string; aud?: string; amr?: string[]; tags?: Record<string, string[]> };
  const cond = (c: Record<string, Record<string, string>>, over: Record<string, unknown> = {}) => () => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: c, ...over }],
  });
  const SCENARIOS: Scenario[] = [
    { name: 'walkthrough policy, right ServiceAccount', doc: () => cond({ StringEquals: { [`${url}:aud`]: 'sts.amazonaws.com', [`${url}:sub`]: WEASEL } })(), sub: WEASEL },
    { name: 'walkthrough policy, wrong namespace', doc: () => cond({ StringEquals: { [`${url}:aud`]: 'sts.amazonaws.com', [`${url}:sub`]: WEASEL } })(), sub: SA('default', 'weasel-eks-pod-sa') },
    { name: 'audience mismatch (token for my-app)', doc: () => cond({ StringEquals: { [`${url}:aud`]: 'sts.amazonaws.com', [`${url}:sub`]: WEASEL } })(), sub: WEASEL, aud: 'my-app' },
    { name: 'namespace wildcard', doc: () => cond({ StringLike: { [`${url}:sub`]: 'system:serviceaccount:weasel:*' } })(), sub: SA('weasel', 'x') },
    { name: 'sts:AssumeRole only', doc: () => cond({ StringEquals: { [`${url}:sub`]: WEASEL } }, { Action: 'sts:AssumeRole' })(), sub: WEASEL },
    { name: 'keys of another provider URL', doc: () => cond({ StringEquals: { [`${OTHER_URL}:sub`]: WEASEL } })(), sub: WEASEL },
    { name: 'ForAnyValue on amr, present', doc: () => cond({ 'ForAnyValue:StringEquals': { [`${url}:amr`]: 'authenticated' } })(), sub: WEASEL, amr: ['authenticated'] },
    { name: 'ForAnyValue on amr, absent', doc: () => cond({ 'ForAnyValue:StringEquals': { [`${url}:amr`]: 'authenticated' } })(), sub: WEASEL },
    { name: 'session tags without sts:TagSession', doc: () => cond({ StringEquals: { [`${url}:sub`]: WEASEL } })(), sub: WEASEL, tags: { team: ['weasel'] } },
    {
      name: 'explicit Deny',
      doc: () => ({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' },
          { Effect: 'Deny', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${url}:sub`]: WEASEL } } },
        ],
      }),
      sub: WEASEL,
    },
  ];

  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const doc = JSON.stringify(s.doc());
      await updateAssumeRolePolicy(env, account, { roleName: 'weasel-eks-pod-role', policyDocument: doc });
      const now = Math.floor(Date.now() / 1000);
      const aud = s.aud ?? 'sts.amazonaws.com';
      const claims: Record<string, unknown> = { iss: idp.issuer, sub: s.sub, aud: [aud], iat: now, nbf: now, exp: now + 3600 };
      if (s.amr) claims['amr'] = s.amr;
      if (s.tags) claims['https://aws.amazon.com/tags'] = { principal_tags: s.tags };
      const token = await signToken(key, claims);
      let sts: 'allowed' | 'denied';
      try {
        await assumeRoleWithWebIdentity(deps, { roleArn, roleSessionName: 'test-session', webIdentityToken: token });
        sts = 'allowed';
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'AccessDenied', String(e));
        sts = 'denied';
      }
      seen.add(sts);
      const e = explainTrust({
        roleArn,
        trustPolicy: loadPolicySet([{ id: `${roleArn}:trust`, document: doc }], 'trust'),
        providerArn,
        providerUrl: url,
        claims: { sub: s.sub, aud, ...(s.amr ? { amr: s.amr } : {}) },
        roleSessionName: 'test-session',
        ...(s.tags ? { tags: Object.entries(s.tags).map(([k, v]) => [k, v[0] as string] as const) } : {}),
        account,
      });
      assert.equal(e.allowed ? 'allowed' : 'denied', sts, JSON.stringify(e.findings));
    });
  }

  it('STS both allowed and denied among the scenarios (so the equivalence means something)', () => {
    assert.deepEqual([...seen].sort(), ['allowed', 'denied']);
  });
});
