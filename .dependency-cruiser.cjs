/**
 * Layer rules from docs/architecture.md, checked by `npm run lint`.
 * - policy/ is pure: it imports only itself and arn/, and nothing from Node or npm.
 * - domain code never imports wire/, server/ or a database driver.
 * - third-party libraries stay in the layer that owns them.
 */
const DOMAIN = '^src/(policy|arn|iam|sts|oidc|kube|services)/';
module.exports = {
  forbidden: [
    {
      name: 'policy-is-pure',
      comment: 'src/policy imports only itself and src/arn: no Node built-ins, no npm packages',
      severity: 'error',
      from: { path: '^src/(policy|arn)/' },
      to: { pathNot: '^src/(policy|arn)/' },
    },
    {
      name: 'trust-explainer-is-pure',
      comment: 'the trust explainer and the web identity request it shares with STS import only the policy engine, ARNs, each other and the report schema',
      severity: 'error',
      from: { path: '^src/(explain/trust|sts/web-identity-context)\\.ts$' },
      to: { pathNot: '^src/(policy|arn)/|^src/(explain/(trust|report)|sts/web-identity-context)\\.ts$' },
    },
    {
      name: 'permissions-explainer-is-pure',
      comment: 'the permissions explainer imports only the policy engine, ARNs and the report schema',
      severity: 'error',
      from: { path: '^src/explain/permissions\\.ts$' },
      to: { pathNot: '^src/(policy|arn)/|^src/explain/report\\.ts$' },
    },
    {
      name: 'explainer-is-pure',
      comment: 'src/explain reads a world it is given (explain/world.ts): the policy engine, ARNs, the Kubernetes object types and webhook constants, the web identity request STS shares; no I/O, no server, wire, CLI or store',
      severity: 'error',
      from: { path: '^src/explain/' },
      to: { pathNot: '^src/(policy|arn|explain)/|^src/kube/(contracts|webhook/constants)\\.ts$|^src/sts/web-identity-context\\.ts$' },
    },
    {
      name: 'domain-not-wire-or-server',
      comment: 'domain code receives the store and blob store (the interfaces in store/store.ts, store/blob-store.ts) as parameters',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: '^src/(wire|server|cli)/|^src/store/(?!(store|blob-store)\\.ts$)' },
    },
    {
      name: 'only-server-picks-the-store',
      comment: 'server/ (composition) is the only module that knows which store is in use',
      severity: 'error',
      from: { pathNot: '^src/(server|store)/' },
      to: { path: '^src/store/(sqlite|postgres)' },
    },
    {
      name: 'db-drivers-only-in-store',
      severity: 'error',
      from: { pathNot: '^src/store/' },
      to: { path: 'node_modules/(better-sqlite3|pg)/' },
    },
    {
      name: 'jose-only-in-oidc',
      severity: 'error',
      from: { pathNot: '^src/(oidc|sts)/' },
      to: { path: 'node_modules/jose/' },
    },
    {
      name: 'iam-data-only-in-catalog',
      severity: 'error',
      from: { pathNot: '^src/catalog/' },
      to: { path: 'node_modules/@cloud-copilot/' },
    },
    {
      name: 'kubernetes-client-confined',
      comment: '@kubernetes/client-node is used by the webhook cache, the eksctl-style commands and (its YAML reader) irsa analyze only',
      severity: 'error',
      from: { pathNot: '^src/(kube/webhook|eksctl)/kube-client\\.ts$|^src/cli/analyze-io\\.ts$' },
      to: { path: 'node_modules/@kubernetes/client-node/' },
    },
    {
      name: 'websocket-and-pty-in-exec',
      severity: 'error',
      from: { pathNot: '^src/kube/exec/' },
      to: { path: 'node_modules/(ws|node-pty)/' },
    },
    {
      name: 'protobuf-reader-in-kube-api',
      severity: 'error',
      from: { pathNot: '^src/kube/api/protobuf\\.ts$' },
      to: { path: 'node_modules/@bufbuild/' },
    },
    {
      name: 'x509-in-crypto',
      severity: 'error',
      from: { pathNot: '^src/crypto/' },
      to: { path: 'node_modules/@peculiar/' },
    },
    {
      name: 'xml-parser-in-rest-xml',
      comment: 'saxes parses request bodies for the REST-XML codec only',
      severity: 'error',
      from: { pathNot: '^src/wire/rest-xml\\.ts$' },
      to: { path: 'node_modules/saxes/' },
    },
    {
      name: 'no-agpl',
      comment: 'iam-simulate and iam-policy are AGPL: bench/test harnesses install them at run time, the product never imports them',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '@cloud-copilot/(iam-simulate|iam-policy)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
