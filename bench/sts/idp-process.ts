/**
 * The STS benchmark's OIDC issuer, in its own process: a real HTTPS issuer on 127.0.0.1
 * (test/oidc/idp.ts) with a certificate from a throwaway CA (test/support/tls.ts), an RS256 key
 * (what Kubernetes signs service account tokens with), and a few tokens signed with it, valid for
 * `--ttl` seconds.
 *
 *   node --import tsx bench/sts/idp-process.ts --tokens 4 --ttl 3600 --sub system:serviceaccount:ns:sa
 *
 * Prints one JSON line on stdout: { issuer, host, thumbprint, tokens }. Serves until its stdin
 * closes (the bench keeps a pipe open), then prints the request counts per path as a second JSON
 * line and exits. irsa-local fetches discovery and JWKS once and caches them, so the counts show
 * that the load never reached the issuer.
 */
import { parseArgs } from 'node:util';
import { signingKey, signToken, startIdp } from '../../test/oidc/idp.js';
import { createTestCa, issueCert } from '../../test/support/tls.js';

const { values } = parseArgs({
  options: {
    tokens: { type: 'string', default: '4' },
    ttl: { type: 'string', default: '3600' },
    sub: { type: 'string', default: 'system:serviceaccount:bench:bench-sa' },
    audience: { type: 'string', default: 'sts.amazonaws.com' },
  },
});

const ca = createTestCa({ commonName: 'irsa-local bench CA' });
const idp = await startIdp(issueCert(ca, ['127.0.0.1']), { path: '/id/BENCHCLUSTER' });
const key = signingKey('RS256', 'bench-key-1');
idp.keys.push(key.publicJwk);

const now = Math.floor(Date.now() / 1000);
const ttl = Number(values.ttl);
const [ns, sa] = (values.sub as string).split(':').slice(2);
const tokens: string[] = [];
for (let i = 0; i < Number(values.tokens); i++) {
  tokens.push(
    await signToken(key, {
      iss: idp.issuer,
      sub: values.sub,
      aud: [values.audience],
      iat: now,
      nbf: now,
      exp: now + ttl,
      jti: `bench-${i}`,
      'kubernetes.io': { namespace: ns, serviceaccount: { name: sa, uid: `uid-${i}` } },
    }),
  );
}

process.stdout.write(`${JSON.stringify({ issuer: idp.issuer, host: idp.issuer.slice('https://'.length), thumbprint: ca.thumbprint, tokens })}\n`);

const finish = async (): Promise<void> => {
  process.stdout.write(`${JSON.stringify({ counts: Object.fromEntries(idp.counts) })}\n`);
  await idp.close();
  process.exit(0);
};
process.stdin.on('data', () => undefined);
process.stdin.once('end', () => void finish());
process.once('SIGTERM', () => void finish());
