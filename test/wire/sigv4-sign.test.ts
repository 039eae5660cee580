import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthFailure, verifySigV4, type SignedRequest } from '../../src/wire/sigv4.js';
import { signGet } from '../../src/wire/sigv4/sign.js';

/** irsa's own signer (the CLI's calls to /_irsa/*) against the server's verifier. */
describe('signGet', () => {
  const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const now = new Date('2026-11-28T12:00:00Z');
  const lookup = async (ak: string, token: string | undefined) => {
    assert.equal(ak, creds.accessKeyId);
    return { secretAccessKey: creds.secretAccessKey, token };
  };
  function request(url: URL, headers: Record<string, string>): SignedRequest {
    const rawHeaders = Object.entries(headers).flat();
    return { method: 'GET', rawPath: url.pathname, rawQuery: url.search.slice(1), headers, rawHeaders, body: new Uint8Array(0) };
  }

  it('signs what the verifier accepts, with a query that needs encoding and a session token', async () => {
    const url = new URL('http://127.0.0.1:4566/_irsa/explain?pod=weasel%2Fapp&action=s3%3AListBucket&resource=arn%3Aaws%3As3%3A%3A%3Aweasel-images&context=aws%3ASourceIp%3Dip%3A10.0.0.1');
    for (const c of [creds, { ...creds, sessionToken: 'FQoGZXIvYXdzEXAMPLE' }]) {
      const h = signGet(url, c, { region: 'us-east-1', service: 'iam', now });
      const v = await verifySigV4(request(url, h), lookup, { now, uriEncoding: 'double' });
      assert.equal(v.region, 'us-east-1');
    }
  });

  it('a changed query or a wrong secret fails verification', async () => {
    const url = new URL('http://127.0.0.1:4566/_irsa/doctor?namespace=weasel');
    const h = signGet(url, creds, { region: 'us-east-1', service: 'iam', now });
    const other = new URL('http://127.0.0.1:4566/_irsa/doctor?namespace=kube-system');
    await assert.rejects(verifySigV4(request(other, h), lookup, { now, uriEncoding: 'double' }), (e: unknown) => e instanceof AuthFailure && e.kind === 'badSignature');
    const bad = signGet(url, { ...creds, secretAccessKey: 'x'.repeat(40) }, { region: 'us-east-1', service: 'iam', now });
    await assert.rejects(verifySigV4(request(url, bad), lookup, { now, uriEncoding: 'double' }), (e: unknown) => e instanceof AuthFailure && e.kind === 'badSignature');
  });
});
