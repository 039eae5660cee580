import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/kube/contracts.js';
import { resolvePodPatchConfig } from '../../../src/kube/webhook/config.js';
import { applyJsonPatch, type JsonPatchOp } from '../../../src/kube/webhook/json-patch.js';
import { mutatePod, type PatchStyle } from '../../../src/kube/webhook/mutate.js';
import { decodePod } from '../../../src/kube/webhook/pod.js';
import { webhookSettings, type WebhookSettingsInput } from '../../../src/kube/webhook/settings.js';
import { parseGoBool } from '../../../src/kube/webhook/go-compat.js';
import { SHARED_MISSING } from '../../support/shared.js';
import { fixtureDir, goRoundTripContainer, goRoundTripPod, readFixtures, serviceAccount, staticServiceAccounts, type Fixture } from './support.js';

/**
 * The 24 upstream fixtures (pkg/handler/testdata at 3bf80a34), read in place with the harness
 * semantics of handler_pod_test.go (§5.1): the testing.* annotations set up a fake ServiceAccount
 * default/default and the flags; the random source returns 0 (jitter → 79200).
 *
 * Each fixture is checked three ways, for both patch styles:
 * - the patched pods agree: our patch and the expected one applied to the same pod, compared after
 *   normalising Go's typed round-trip (§5.4: missing `resources` → {}, nulls dropped, unknown mount
 *   fields dropped and `mountPath` defaulted to "");
 * - whole-array style: the same operations (op, path, order) as upstream;
 * - whole-array style: each operation's value equal to upstream's after the same normalisation.
 */
const T = 'testing.eks.amazonaws.com/';
const dir = fixtureDir();
const skip = dir ? false : SHARED_MISSING;
const fixtures: Fixture[] = dir ? readFixtures(dir) : [];

interface Harness {
  readonly settings: WebhookSettingsInput;
  readonly sa: KubeObject;
  readonly podIdentity: boolean;
  readonly expected: JsonPatchOp[];
}

function harness(pod: Record<string, unknown>): Harness {
  const ann = ((pod['metadata'] as Record<string, unknown>)['annotations'] ?? {}) as Record<string, string>;
  const a = (k: string): string | undefined => ann[T + k];
  const saAnnotations: Record<string, string> = {};
  const set = (key: string, value: string | undefined): void => {
    if (value !== undefined) saAnnotations[`eks.amazonaws.com/${key}`] = value;
  };
  set('role-arn', a('serviceAccount/roleArn'));
  set('audience', a('serviceAccount/audience'));
  // The first one present wins; handler/injectSTS is SA-level in the Go harness (§5.4).
  set('sts-regional-endpoints', a('serviceAccount/sts-regional-endpoints') ?? a('handler/injectSTS'));
  set('token-expiration', a('serviceAccount/token-expiration') ?? a('handler/expiration'));
  const uri = a('containercredentials/uri') ?? '';
  return {
    settings: {
      region: a('handler/region'),
      mountPath: a('handler/mountPath'),
      containerCredentials:
        uri === ''
          ? {}
          : {
              fullUri: uri,
              audience: a('containercredentials/audience'),
              mountPath: a('containercredentials/mountPath'),
              volumeName: a('containercredentials/volumeName'),
              tokenPath: a('containercredentials/tokenPath'),
            },
    },
    sa: serviceAccount('default', 'default', saAnnotations),
    podIdentity: uri !== '',
    expected: JSON.parse(a('expectedPatch') ?? '[]') as JsonPatchOp[],
  };
}

async function patchFor(pod: Record<string, unknown>, h: Harness, style: PatchStyle): Promise<JsonPatchOp[]> {
  // The harness forces namespace default and serviceAccountName default.
  const input = { ...pod, spec: { ...(pod['spec'] as object), serviceAccountName: 'default' } };
  const decoded = decodePod(input);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.message);
  const sources = {
    serviceAccounts: staticServiceAccounts([h.sa]),
    containerCredentials: (ns: string, sa: string) => h.podIdentity && ns === 'default' && sa === 'default',
  };
  const config = await resolvePodPatchConfig(decoded.pod, 'default', sources, webhookSettings(h.settings), () => 0);
  const ops = mutatePod(decoded.pod, config, { style });
  assert.ok(ops, 'a configuration applies to every fixture');
  return ops;
}

function normaliseOp(op: JsonPatchOp): JsonPatchOp {
  if (/^\/spec\/(init)?[cC]ontainers$/.test(op.path)) return { ...op, value: (op.value as unknown[]).map(goRoundTripContainer) };
  return op;
}

describe('pod identity webhook fixtures (upstream pkg/handler/testdata)', { skip }, () => {
  it('has the 24 fixtures: 18 IRSA and 6 EKS Pod Identity', () => {
    assert.equal(fixtures.length, 24);
    assert.equal(fixtures.filter((f) => f.name.startsWith('containercredentials/')).length, 6);
  });

  for (const f of fixtures) {
    const ann = ((f.pod['metadata'] as Record<string, unknown>)['annotations'] ?? {}) as Record<string, string>;
    const skipped = parseGoBool(ann[`${T}skip`] ?? '') === true;
    describe(f.name, { skip: skipped ? 'testing.eks.amazonaws.com/skip is true' : false }, () => {
      const h = harness(f.pod);

      for (const style of ['fine-grained', 'whole-array'] as const) {
        it(`${style}: the patched pod equals upstream's (after Go round-trip normalisation)`, async () => {
          const ours = applyJsonPatch(f.pod, await patchFor(f.pod, h, style));
          const theirs = applyJsonPatch(f.pod, h.expected);
          assert.deepEqual(goRoundTripPod(ours), goRoundTripPod(theirs));
        });
      }

      it('whole-array: the same operations in the same order, with equal values', async () => {
        const ops = await patchFor(f.pod, h, 'whole-array');
        assert.deepEqual(
          ops.map((o) => `${o.op} ${o.path}`),
          h.expected.map((o) => `${o.op} ${o.path}`),
        );
        assert.deepEqual(ops.map(normaliseOp), h.expected.map(normaliseOp));
      });
    });
  }
});
