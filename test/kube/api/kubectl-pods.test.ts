// Pods through the real kubectl: client-side apply (created / unchanged / configured), server
// defaults and the Running status, get/-o wide/-o yaml/-o json, describe (env, volumes, events),
// delete, validation (422, strict 400, immutability), a mutating admission whose additions
// survive re-applies, and the exec upgrade route.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { KubeObject, PodAdmission } from '../../../src/kube/contracts.js';
import { serviceAccountLookup } from '../../../src/kube/api/index.js';
import { startKubeApi, type KubeApiHarness } from '../../support/kube.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';

type Obj = Record<string, unknown>;
type Pod = KubeObject & { spec: Obj & { containers: (Obj & { env?: Obj[]; volumeMounts?: Obj[] })[]; volumes?: Obj[] }; status: Obj };

function podYaml(opts: { image?: string; env?: string; labels?: string } = {}): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: app',
    '  namespace: demo',
    `  labels: {app: ${opts.labels ?? 'demo'}}`,
    'spec:',
    '  serviceAccountName: my-sa',
    '  containers:',
    '  - name: app',
    `    image: ${opts.image ?? 'public.ecr.aws/aws-cli/aws-cli:2.15.0'}`,
    '    command: ["sleep", "infinity"]',
    '    env:',
    '    - name: FOO',
    `      value: ${opts.env ?? 'bar'}`,
    '',
  ].join('\n');
}

describe('kubectl: pods', () => {
  let k: KubeApiHarness;
  let admitted = 0;
  before(async () => {
    // A stand-in for the pod identity webhook: role-annotated SAs get env and a token volume.
    let lookup: ReturnType<typeof serviceAccountLookup> | undefined;
    const admission: PodAdmission = {
      async admitPod(pod, namespace) {
        admitted++;
        const spec = pod.spec as Obj;
        const sa = await lookup?.get(namespace, String(spec.serviceAccountName ?? 'default'));
        const role = sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn'];
        if (!role) return pod;
        const vols = (spec.volumes as Obj[] | undefined) ?? [];
        spec.volumes = [{ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }, ...vols];
        for (const c of spec.containers as Obj[]) {
          c.env = [...((c.env as Obj[] | undefined) ?? []), { name: 'AWS_ROLE_ARN', value: role }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' }];
          c.volumeMounts = [...((c.volumeMounts as Obj[] | undefined) ?? []), { name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', readOnly: true }];
        }
        return pod;
      },
    };
    k = await startKubeApi({ admission });
    lookup = serviceAccountLookup(k.store);
    for (const args of [
      ['create', 'namespace', 'demo'],
      ['create', 'serviceaccount', 'my-sa', '-n', 'demo'],
      ['annotate', 'serviceaccount', 'my-sa', '-n', 'demo', `eks.amazonaws.com/role-arn=${ROLE}`],
    ]) {
      const r = await k.kubectl(args);
      assert.equal(r.status, 0, r.stderr);
    }
  });
  after(async () => k.close());

  const ok = async (args: string[], stdin?: string): Promise<string> => {
    const r = await k.kubectl(args, { stdin });
    assert.equal(r.status, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const fails = async (args: string[], stdin?: string): Promise<string> => {
    const r = await k.kubectl(args, { stdin });
    assert.notEqual(r.status, 0, `kubectl ${args.join(' ')} should fail`);
    return r.stderr.trim();
  };
  const getPod = async (name = 'app'): Promise<Pod> => JSON.parse(await ok(['get', 'pod', name, '-n', 'demo', '-o', 'json'])) as Pod;

  it('apply -f pod.yaml: created; admission mutated it; its additions survive a re-apply', async () => {
    assert.equal((await ok(['apply', '-f', '-'], podYaml())).trim(), 'pod/app created');
    assert.equal(admitted, 1);
    await k.api.controllers.idle();
    assert.equal((await ok(['apply', '-f', '-'], podYaml())).trim(), 'pod/app configured', 'server-added env makes kubectl send a $setElementOrder patch');
    const pod = await getPod();
    const env = pod.spec.containers[0]?.env?.map((e) => e.name);
    assert.deepEqual(env, ['FOO', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'], 'webhook-added env survives the re-apply');
    assert.deepEqual(
      pod.spec.volumes?.map((v) => String(v.name).replace(/^kube-api-access-[a-z0-9]{5}$/, 'kube-api-access-xxxxx')),
      ['aws-iam-token', 'kube-api-access-xxxxx'],
    );
    assert.equal(admitted, 1, 'admission runs on create only');
  });

  it('apply with no difference from last-applied and live is "unchanged"', async () => {
    await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: plain, namespace: demo}\nspec: {serviceAccountName: default, containers: [{name: c, image: busybox, command: [sleep, "3600"]}]}\n');
    assert.equal((await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: plain, namespace: demo}\nspec: {serviceAccountName: default, containers: [{name: c, image: busybox, command: [sleep, "3600"]}]}\n')).trim(), 'pod/plain unchanged');
  });

  it('apply changed labels and image: configured; the container restarts with the new image', async () => {
    assert.equal((await ok(['apply', '-f', '-'], podYaml({ labels: 'demo2', image: 'public.ecr.aws/aws-cli/aws-cli:2.16.0' }))).trim(), 'pod/app configured');
    await k.api.controllers.idle();
    const pod = await getPod();
    assert.deepEqual(pod.metadata?.labels, { app: 'demo2' });
    assert.equal(pod.spec.containers[0]?.['image'], 'public.ecr.aws/aws-cli/aws-cli:2.16.0');
    const cs = (pod.status['containerStatuses'] as Obj[])[0] as Obj;
    assert.equal(cs['image'], 'public.ecr.aws/aws-cli/aws-cli:2.16.0');
    assert.equal(cs['restartCount'], 1);
  });

  it('apply of a forbidden spec change → 422 like kube-apiserver', async () => {
    const err = await fails(['apply', '-f', '-'], podYaml({ labels: 'demo2', image: 'public.ecr.aws/aws-cli/aws-cli:2.16.0', env: 'baz' }));
    assert.match(err, /^The Pod "app" is invalid: spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\)/);
    assert.match(err, /spec\.containers\[0\]\.env\[0\]\.value: "bar" -> "baz"/);
  });

  it('get pods and get pods -o wide', async () => {
    const out = await ok(['get', 'pods', '-n', 'demo']);
    const lines = out.trim().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.match(out, /^app\s+1\/1\s+Running\s+1\s+\d+s$/m);
    assert.match(out, /^plain\s+1\/1\s+Running\s+0\s+\d+s$/m);
    const wide = await ok(['get', 'pods', '-n', 'demo', '-o', 'wide']);
    assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
    assert.match(wide, /^app\s+1\/1\s+Running\s+1\s+\d+s\s+10\.244\.\d+\.\d+\s+irsa-local-node\s+<none>\s+<none>$/m);
    assert.match(await ok(['get', 'pods', '-A', '--show-labels']), /demo\s+app\s+.*app=demo2/);
    assert.match(await ok(['get', 'pods', '-n', 'demo', '-l', 'app=demo2']), /^app\s/m);
    assert.doesNotMatch(await ok(['get', 'pods', '-n', 'demo', '-l', 'app!=demo2']), /^app\s/m);
    assert.match(await ok(['get', 'pods', '-n', 'demo', '--field-selector', 'status.phase=Running,spec.nodeName=irsa-local-node', '-o', 'name']), /pod\/app/);
    const none = await k.kubectl(['get', 'pods', '-n', 'empty-ns']);
    assert.equal(none.status, 0);
    assert.equal(none.stderr.trim(), 'No resources found in empty-ns namespace.');
  });

  it('get pod -o yaml / -o json: server defaults and Running status', async () => {
    const yaml = await ok(['get', 'pod', 'app', '-n', 'demo', '-o', 'yaml']);
    for (const line of ['kind: Pod', 'imagePullPolicy: IfNotPresent', 'terminationMessagePath: /dev/termination-log', 'dnsPolicy: ClusterFirst', 'restartPolicy: Always', 'schedulerName: default-scheduler', 'securityContext: {}', 'terminationGracePeriodSeconds: 30', 'phase: Running', 'qosClass: BestEffort', 'nodeName: irsa-local-node'])
      assert.ok(yaml.includes(line), `yaml has ${line}`);
    const pod = await getPod();
    assert.equal(pod.apiVersion, 'v1');
    assert.match(pod.metadata?.resourceVersion ?? '', /^\d+$/);
    assert.match(pod.metadata?.creationTimestamp ?? '', /Z$/);
    assert.equal(pod.spec['serviceAccountName'], 'my-sa');
    assert.equal(pod.spec['enableServiceLinks'], true);
    assert.equal((pod.spec['tolerations'] as Obj[]).length, 2);
    const mounts = pod.spec.containers[0]?.volumeMounts?.map((m) => m['mountPath']);
    assert.ok(mounts?.includes('/var/run/secrets/kubernetes.io/serviceaccount'));
    const st = pod.status;
    assert.equal(st['phase'], 'Running');
    assert.equal(st['hostIP'], '127.0.0.1');
    assert.match(String(st['podIP']), /^10\.244\./);
    assert.deepEqual((st['conditions'] as Obj[]).map((c) => `${String(c['type'])}=${String(c['status'])}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    const cs = (st['containerStatuses'] as Obj[])[0] as Obj;
    assert.equal(cs['ready'], true);
    assert.equal(cs['started'], true);
    assert.match(String(cs['containerID']), /^containerd:\/\/[0-9a-f]{64}$/);
    assert.match(String(cs['imageID']), /@sha256:[0-9a-f]{64}$/);
    assert.ok((cs['state'] as Obj)['running']);
  });

  it('describe pod: node, IP, env (incl. webhook env), volumes, events', async () => {
    const out = await ok(['describe', 'pod', 'app', '-n', 'demo']);
    assert.match(out, /^Service Account:\s+my-sa$/m);
    assert.match(out, /^Node:\s+irsa-local-node\/127\.0\.0\.1$/m);
    assert.match(out, /^Status:\s+Running$/m);
    assert.match(out, /^\s+AWS_ROLE_ARN:\s+arn:aws:iam::111122223333:role\/app$/m);
    assert.match(out, /^\s+AWS_WEB_IDENTITY_TOKEN_FILE:\s+\/var\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount\/token$/m);
    assert.match(out, /^\s+FOO:\s+bar$/m);
    assert.match(out, /^\s+aws-iam-token:\n\s+Type:\s+Projected/m);
    assert.match(out, /TokenExpirationSeconds:\s+86400/);
    assert.match(out, /^\s+Ready:\s+True$/m);
    assert.match(out, /^\s+Restart Count:\s+1$/m);
    assert.match(out, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned demo\/app to irsa-local-node/);
    for (const reason of ['Pulled', 'Created', 'Started', 'Killing']) assert.match(out, new RegExp(`Normal\\s+${reason}\\s+\\S+\\s+kubelet`));
    assert.doesNotMatch(out, /demo\/plain/, 'events of other pods are filtered out server-side');
  });

  it('get events: LAST SEEN TYPE REASON OBJECT MESSAGE', async () => {
    const out = await ok(['get', 'events', '-n', 'demo']);
    assert.match(out.split('\n')[0] ?? '', /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    assert.match(out, /Normal\s+Scheduled\s+pod\/app\s+Successfully assigned demo\/app to irsa-local-node/);
    assert.match(out, /Normal\s+Started\s+pod\/plain\s+Started container c/);
    assert.match(await ok(['get', 'ev', '-n', 'demo', '--field-selector', 'involvedObject.name=plain,reason=Scheduled', '-o', 'name']), /^event\/plain\.[0-9a-f]+\n$/);
  });

  it('invalid pods: 422 with the field, strict unknown fields 400, missing SA 403', async () => {
    assert.equal(await fails(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: demo}\nspec: {containers: []}\n'), 'The Pod "bad" is invalid: spec.containers: Required value');
    assert.equal(
      await fails(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: demo}\nspec: {containers: [{name: c}, {name: c, image: x}]}\n'),
      // kubectl lists the Status causes as bullets.
      'The Pod "bad" is invalid: \n* spec.containers[0].image: Required value\n* spec.containers[1].name: Duplicate value: "c"',
    );
    assert.equal(
      await fails(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: demo}\nspec: {containers: [{name: c, image: x, volumeMounts: [{name: nope, mountPath: /x}]}]}\n'),
      'The Pod "bad" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "nope"',
    );
    assert.equal(
      await fails(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: demo}\nspec: {containers: [{name: c, image: x, foo: 1}], bar: true}\n'),
      'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bar", unknown field "spec.containers[0].foo"',
    );
    assert.equal(
      await fails(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: demo}\nspec: {serviceAccountName: ghost, containers: [{name: c, image: x}]}\n'),
      'Error from server (Forbidden): error when creating "STDIN": pods "bad" is forbidden: error looking up service account demo/ghost: serviceaccount "ghost" not found',
    );
    assert.equal(
      await fails(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: nope}\nspec: {containers: [{name: c, image: x}]}\n'),
      'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found',
    );
    // --validate=false sends fieldValidation=Ignore: the unknown field is dropped silently.
    await ok(['apply', '--validate=false', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: lax, namespace: demo}\nspec: {containers: [{name: c, image: x, foo: 1}]}\n');
    assert.equal(await fails(['get', 'pod', 'bad', '-n', 'demo']), 'Error from server (NotFound): pods "bad" not found');
  });

  it('annotate/label a pod (metadata changes are allowed)', async () => {
    await ok(['annotate', 'pod', 'app', '-n', 'demo', 'note=hello']);
    await ok(['label', 'pod', 'app', '-n', 'demo', 'tier=web']);
    const pod = await getPod();
    assert.equal(pod.metadata?.annotations?.['note'], 'hello');
    assert.equal(pod.metadata?.labels?.['tier'], 'web');
  });

  it('kubectl patch: strategic (default), merge and json', async () => {
    await ok(['patch', 'pod', 'plain', '-n', 'demo', '-p', '{"metadata":{"labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"busybox:1.36"}]}}']);
    await ok(['patch', 'pod', 'plain', '-n', 'demo', '--type=merge', '-p', '{"metadata":{"labels":{"b":"2","a":null}}}']);
    await ok(['patch', 'pod', 'plain', '-n', 'demo', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/c","value":"3"}]']);
    const pod = await getPod('plain');
    assert.deepEqual(pod.metadata?.labels, { b: '2', c: '3' });
    assert.equal(pod.spec.containers.length, 1);
    assert.equal(pod.spec.containers[0]?.['image'], 'busybox:1.36');
    assert.deepEqual(pod.spec.containers[0]?.['command'], ['sleep', '3600']);
    assert.match(await fails(['patch', 'pod', 'plain', '-n', 'demo', '--type=json', '-p', '[{"op":"test","path":"/metadata/name","value":"x"}]']), /test failed/);
  });

  it('delete pod', async () => {
    assert.equal((await ok(['delete', 'pod', 'plain', '-n', 'demo'])).trim(), 'pod "plain" deleted');
    assert.equal(await fails(['get', 'pod', 'plain', '-n', 'demo']), 'Error from server (NotFound): pods "plain" not found');
    assert.equal(await fails(['delete', 'pod', 'plain', '-n', 'demo']), 'Error from server (NotFound): pods "plain" not found');
  });

  describe('exec upgrade routing', () => {
    const upgrade = (path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string; upgraded: boolean }> =>
      new Promise((resolve, reject) => {
        const req = request(`${k.url}${path}`, { method, headers: { Connection: 'Upgrade', ...headers } });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, body: '', upgraded: true });
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, upgraded: false }));
        });
        req.on('error', reject);
        req.end();
      });
    const ws = { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' };

    it('refuses SPDY with a JSON Status kubectl prints', async () => {
      const r = await upgrade('/api/v1/namespaces/demo/pods/app/exec?command=ls&container=app&stdout=true', { Upgrade: 'SPDY/3.1' }, 'POST');
      assert.equal(r.status, 405);
      const st = JSON.parse(r.body) as { kind: string; reason: string; message: string };
      assert.equal(st.kind, 'Status');
      assert.equal(st.reason, 'MethodNotAllowed');
      assert.match(st.message, /SPDY\/3\.1 is not supported by this server; use a kubectl >= 1\.30 \(WebSocket\)/);
    });

    it('rejects an unknown container and a missing pod before upgrading', async () => {
      const bad = await upgrade('/api/v1/namespaces/demo/pods/app/exec?command=ls&container=nope&stdout=true', ws);
      assert.equal(bad.status, 400);
      assert.equal((JSON.parse(bad.body) as { message: string }).message, 'container nope is not valid for pod app');
      const gone = await upgrade('/api/v1/namespaces/demo/pods/ghost/exec?command=ls&container=c&stdout=true', ws);
      assert.equal(gone.status, 404);
      assert.equal((JSON.parse(gone.body) as { message: string }).message, 'pods "ghost" not found');
    });

    it('kubectl exec -c nope prints the apiserver message', async () => {
      assert.equal(await fails(['exec', '-n', 'demo', 'app', '-c', 'nope', '--', 'ls']), 'Error from server (BadRequest): container nope is not valid for pod app');
    });
  });
});

describe('exec handler hand-off', () => {
  it('passes the resolved pod and container to deps.exec', async () => {
    const calls: { pod: string; container: string }[] = [];
    const k = await startKubeApi({
      exec: (_req, socket, _head, pod, container) => {
        calls.push({ pod: pod.metadata?.name ?? '', container });
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
      },
    });
    try {
      await k.kubectl(['run', 'p', '--image=busybox']);
      await k.kubectl(['exec', 'p', '--', 'true']);
      assert.deepEqual(calls[0], { pod: 'p', container: 'p' });
    } finally {
      await k.close();
    }
  });
});
