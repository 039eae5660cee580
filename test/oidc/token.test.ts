import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsError } from '../../src/aws/error.js';
import { decodeWebIdentityToken } from '../../src/oidc/token.js';
import { b64 } from './idp.js';

const ISS = 'https://oidc.example.com/id/ABC';
const header = { alg: 'RS256', kid: 'k1', typ: 'JWT' };
const tok = (h: unknown, p: unknown, sig = 'c2ln') => `${b64(h)}.${b64(p)}.${sig}`;

function rejects(token: string, pattern: RegExp): void {
  assert.throws(
    () => decodeWebIdentityToken(token),
    (e: unknown) => e instanceof AwsError && e.code === 'InvalidIdentityToken' && e.httpStatus === 400 && pattern.test(e.message),
  );
}

describe('decodeWebIdentityToken', () => {
  it('decodes header, claims, iss, aud (array or string) and sub', () => {
    const t = decodeWebIdentityToken(tok(header, { iss: ISS, aud: ['sts.amazonaws.com', 'x'], sub: 'system:serviceaccount:ns:sa', exp: 1 }));
    assert.deepEqual(t.header, header);
    assert.equal(t.iss, ISS);
    assert.deepEqual(t.aud, ['sts.amazonaws.com', 'x']);
    assert.equal(t.sub, 'system:serviceaccount:ns:sa');
    assert.equal(t.claims['exp'], 1);
    assert.deepEqual(decodeWebIdentityToken(tok({ alg: 'ES256' }, { iss: ISS, aud: 'a' })).aud, ['a']);
  });

  it('reports a missing aud as an empty list and a missing sub as undefined', () => {
    const t = decodeWebIdentityToken(tok({ alg: 'RS256' }, { iss: ISS }));
    assert.deepEqual(t.aud, []);
    assert.equal(t.sub, undefined);
    assert.deepEqual(t.header, { alg: 'RS256' });
  });

  it('decodes alg none and HS256 (verify rejects them, not decode)', () => {
    assert.equal(decodeWebIdentityToken(tok({ alg: 'none' }, { iss: ISS }, '')).header.alg, 'none');
  });

  it('rejects what is not a JWT', () => {
    rejects('not-a-jwt', /three base64url parts/);
    rejects('abcd', /three base64url parts/);
    rejects(`${b64(header)}.${b64({ iss: ISS })}`, /three base64url parts/); // 2 parts
    rejects(`${tok(header, { iss: ISS })}.extra`, /three base64url parts/); // 4 parts (JWE has 5)
    rejects(`.${b64({ iss: ISS })}.sig`, /empty or not base64url/);
    rejects(`${b64(header)}..sig`, /empty or not base64url/);
    rejects(`${b64(header)}=.${b64({ iss: ISS })}.sig`, /empty or not base64url/);
    rejects(`${b64(header)}.${b64({ iss: ISS })}.si+g`, /empty or not base64url/);
  });

  it('rejects a header or payload that is not a JSON object', () => {
    rejects(`${b64('{not json')}.${b64({ iss: ISS })}.sig`, /header is not base64url-encoded UTF-8 JSON/);
    rejects(`${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.${b64({ iss: ISS })}.sig`, /header is not base64url-encoded UTF-8 JSON/);
    rejects(tok([1, 2], { iss: ISS }), /header is not a JSON object/);
    rejects(tok(header, 'null'), /payload is not a JSON object/);
    rejects(`${b64(header)}.${b64('[]')}.sig`, /payload is not a JSON object/);
    rejects(`${b64(header)}.${b64('{"iss":')}.sig`, /payload is not base64url-encoded UTF-8 JSON/);
  });

  it('rejects a header without a string alg, and non-string kid or typ', () => {
    rejects(tok({ kid: 'k' }, { iss: ISS }), /no `alg`/);
    rejects(tok({ alg: 256 }, { iss: ISS }), /no `alg`/);
    rejects(tok({ alg: 'RS256', kid: 7 }, { iss: ISS }), /`kid` is not a string/);
    rejects(tok({ alg: 'RS256', typ: {} }, { iss: ISS }), /`typ` is not a string/);
  });

  it('requires iss as a string, and aud and sub of the right types', () => {
    rejects(tok(header, { aud: 'a' }), /no `iss`/);
    rejects(tok(header, { iss: 42 }), /`iss` is not a string/);
    rejects(tok(header, { iss: ISS, aud: 5 }), /`aud` is neither a string nor an array of strings/);
    rejects(tok(header, { iss: ISS, aud: ['a', 5] }), /`aud` is neither/);
    rejects(tok(header, { iss: ISS, sub: 123 }), /`sub` is not a string/);
  });
});
