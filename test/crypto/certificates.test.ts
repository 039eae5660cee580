import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCertificateAuthority, issueServerCertificate } from '../../src/crypto/certificates.js';

/**
 * Certificates must be valid DER every time: OpenSSL rejects an INTEGER with a needless leading
 * zero ("illegal padding"). The serial is random, so the rare bad one showed up only as a flaky
 * test (about one certificate in 256); 1,500 certificates here find such a bug almost surely.
 */
describe('certificates', () => {
  it('every serial is a positive INTEGER in minimal DER, and OpenSSL parses every certificate', () => {
    const ca = createCertificateAuthority('irsa-local test CA');
    const serials = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const cert = issueServerCertificate(ca, ['127.0.0.1', 'localhost']);
      const x = new X509Certificate(cert.chainPem); // the first certificate of the chain
      assert.ok(x.checkIssued(new X509Certificate(ca.certPem)));
      assert.match(x.serialNumber, /^[4-7][0-9A-F]{31}$/);
      serials.add(x.serialNumber);
    }
    assert.equal(serials.size, 1500);
  });
});
