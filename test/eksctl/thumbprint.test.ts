import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { issuerCaThumbprint, pemThumbprint } from '../../src/eksctl/thumbprint.js';
import { createTestCa, issueCert } from '../support/tls.js';

const servers: Server[] = [];
async function serve(cert: string, key: string): Promise<string> {
  const s = createServer({ cert, key }, (_req, res) => res.end('{}'));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `https://127.0.0.1:${(s.address() as AddressInfo).port}/id/TEST`;
}
after(() => servers.forEach((s) => s.close()));

describe("the issuer CA's thumbprint (eksctl getIssuerCAThumbprint)", () => {
  it('is the SHA-1 of the root, also when the server sends only its leaf', async () => {
    const ca = createTestCa();
    const leaf = issueCert(ca, ['127.0.0.1']);
    const issuer = await serve(leaf.fullChainPem, leaf.keyPem);
    assert.equal(await issuerCaThumbprint(issuer, ca.certPem), ca.thumbprint);
    assert.equal(pemThumbprint(ca.certPem), ca.thumbprint);
  });

  it('walks past an intermediate to the root the cluster CA names', async () => {
    const root = createTestCa({ commonName: 'root' });
    const intermediate = createTestCa({ commonName: 'intermediate', issuer: root });
    const leaf = issueCert(intermediate, ['127.0.0.1']);
    const issuer = await serve(leaf.fullChainPem, leaf.keyPem);
    assert.equal(await issuerCaThumbprint(issuer, root.certPem), root.thumbprint);
  });

  it('refuses an issuer whose chain the cluster CA does not vouch for', async () => {
    const ca = createTestCa();
    const other = createTestCa({ commonName: 'other' });
    const leaf = issueCert(ca, ['127.0.0.1']);
    const issuer = await serve(leaf.fullChainPem, leaf.keyPem);
    await assert.rejects(issuerCaThumbprint(issuer, other.certPem), /^Error: connecting to issuer OIDC: /);
  });
});
