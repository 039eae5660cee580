import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AwsError } from '../../src/aws/error.js';
import { JwksClient, type ProviderTrust } from '../../src/oidc/jwks-client.js';
import { COULD_NOT_RETRIEVE_KEY, SIGNATURE_INVALID } from '../../src/oidc/messages.js';
import { decodeWebIdentityToken } from '../../src/oidc/token.js';
import { verifyWebIdentityToken, type VerifyOptions } from '../../src/oidc/verify.js';
import { createTestCa, issueCert } from '../support/tls.js';
import { DISCOVERY_PATH, JWKS_PATH, b64, signToken, signingKey, startIdp, type SigningKey, type TestIdp } from './idp.js';

const NOW = 1_800_000_000; // fixed clock, seconds
const now = new Date(NOW * 1000);
const SUB = 'system:serviceaccount:default:app';

let idp: TestIdp;
let trust: ProviderTrust;
let rsa: SigningKey;
let ec: SigningKey;
let rsaPem: string;

const claims = (over: Record<string, unknown> = {}) => ({ iss: trust.issuer, aud: ['sts.amazonaws.com'], sub: SUB, iat: NOW - 60, exp: NOW + 3600, ...over });
const verify = (token: string, client = new JwksClient(), options?: VerifyOptions) =>
  verifyWebIdentityToken(token, decodeWebIdentityToken(token), trust, client, now, options);

async function rejectsWith(p: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AwsError, `expected AwsError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.httpStatus, 400);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}
const invalid = (p: Promise<unknown>, m: string | RegExp) => rejectsWith(p, 'InvalidIdentityToken', m);

before(async () => {
  const ca = createTestCa();
  idp = await startIdp(issueCert(ca, ['127.0.0.1', 'localhost']));
  trust = { issuer: idp.issuer, thumbprints: [ca.thumbprint] };
  rsa = signingKey('RS256', 'rsa-1');
  ec = signingKey('ES256', 'ec-1');
  idp.keys.push(rsa.publicJwk, ec.publicJwk);
  rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
});
after(() => idp.close());

describe('verifyWebIdentityToken: valid tokens', () => {
  it('accepts an RS256 token and reports iss, sub, aud and claims', async () => {
    const r = await verify(await signToken(rsa, claims({ amr: ['mfa', 'pwd'] })));
    assert.equal(r.iss, idp.issuer);
    assert.equal(r.sub, SUB);
    assert.equal(r.aud, 'sts.amazonaws.com');
    assert.deepEqual(r.amr, ['mfa', 'pwd']);
    assert.equal(r.claims['exp'], NOW + 3600);
  });

  it('accepts an ES256 token; a string amr becomes a list, no amr is absent', async () => {
    const r = await verify(await signToken(ec, claims({ amr: 'pwd' })));
    assert.deepEqual(r.amr, ['pwd']);
    assert.equal('amr' in (await verify(await signToken(ec, claims()))), false);
  });

  it('reports the matched audience when the caller names it', async () => {
    const token = await signToken(rsa, claims({ aud: ['other', 'sts.amazonaws.com'] }));
    assert.equal((await verify(token, new JwksClient(), { audience: 'sts.amazonaws.com' })).aud, 'sts.amazonaws.com');
    assert.equal((await verify(token)).aud, 'other');
    await invalid(verify(token, new JwksClient(), { audience: 'nope' }), 'Incorrect token audience');
  });

  it('requires aud and sub', async () => {
    const { aud: _a, ...noAud } = claims();
    await invalid(verify(await signToken(rsa, noAud)), 'Missing a required claim: aud');
    const { sub: _s, ...noSub } = claims();
    await invalid(verify(await signToken(rsa, noSub)), 'Missing a required claim: sub');
  });
});

describe('verifyWebIdentityToken: algorithms and signatures', () => {
  it('rejects alg none before any key lookup', async () => {
    const before = idp.count(DISCOVERY_PATH);
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    await invalid(verify(token), /Unsupported token signing algorithm `none`/);
    assert.equal(idp.count(DISCOVERY_PATH), before);
  });

  it('rejects HS256 signed with the RSA public key as the HMAC secret, before any key lookup', async () => {
    const before = idp.count(DISCOVERY_PATH) + idp.count(JWKS_PATH);
    const input = `${b64({ alg: 'HS256', kid: rsa.kid, typ: 'JWT' })}.${b64(claims())}`;
    const token = `${input}.${createHmac('sha256', rsaPem).update(input).digest('base64url')}`;
    await invalid(verify(token), /Unsupported token signing algorithm `HS256`/);
    assert.equal(idp.count(DISCOVERY_PATH) + idp.count(JWKS_PATH), before);
  });

  it('rejects PS256 and EdDSA, which STS does not accept', async () => {
    for (const alg of ['PS256', 'EdDSA', 'HS512']) {
      await invalid(verify(`${b64({ alg, kid: rsa.kid })}.${b64(claims())}.c2ln`), /Unsupported token signing algorithm/);
    }
  });

  it('rejects a token whose alg does not match the JWK (key confusion)', async () => {
    // RS384 header naming the RS256-only key
    const rs384 = { ...rsa, alg: 'RS384' };
    await invalid(verify(await signToken(rs384, claims())), "The token's signing algorithm `RS384` does not match the verification key `rsa-1` published by the identity provider");
    // ES256 header naming the RSA key
    const confused = { ...ec, kid: rsa.kid };
    await invalid(verify(await signToken(confused, claims())), /`ES256` does not match the verification key `rsa-1`/);
  });

  it('rejects a tampered payload', async () => {
    const [h, , s] = (await signToken(rsa, claims())).split('.');
    const token = `${h}.${b64(claims({ sub: 'system:serviceaccount:kube-system:admin' }))}.${s}`;
    await invalid(verify(token), SIGNATURE_INVALID);
    const [eh, , es] = (await signToken(ec, claims())).split('.');
    await invalid(verify(`${eh}.${b64(claims({ aud: ['x'] }))}.${es}`), SIGNATURE_INVALID);
  });

  it('rejects a token signed by a key the issuer does not publish under that kid', async () => {
    const impostor = signingKey('RS256', rsa.kid);
    await invalid(verify(await signToken(impostor, claims())), SIGNATURE_INVALID);
  });

  it('rejects a signature made with an RSA key under 2048 bits', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    idp.keys.push({ ...publicKey.export({ format: 'jwk' }), kid: 'weak', alg: 'RS256' });
    const input = `${b64({ alg: 'RS256', kid: 'weak' })}.${b64(claims())}`; // jose refuses to sign with it
    await invalid(verify(`${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`), SIGNATURE_INVALID);
  });

  it('rejects a kid the issuer never published', async () => {
    const stranger = signingKey('RS256', 'unknown-kid');
    await invalid(verify(await signToken(stranger, claims())), COULD_NOT_RETRIEVE_KEY);
  });

  it('refuses a decoded token that is not the token (caller bug)', async () => {
    const a = await signToken(rsa, claims());
    const b = await signToken(rsa, claims({ iss: 'https://elsewhere.example' }));
    await assert.rejects(verifyWebIdentityToken(a, decodeWebIdentityToken(b), trust, new JwksClient(), now), TypeError);
  });
});

describe('verifyWebIdentityToken: time claims', () => {
  it('expired beyond the five-minute window: ExpiredTokenException with AWS wording', async () => {
    await rejectsWith(
      verify(await signToken(rsa, claims({ exp: NOW - 301 }))),
      'ExpiredTokenException',
      `Token expired: current date/time ${NOW} must be before the expiration date/time ${NOW - 301}`,
    );
    await rejectsWith(verify(await signToken(rsa, claims({ exp: NOW - 300 }))), 'ExpiredTokenException', /^Token expired/);
  });

  it('expired within the five-minute window: accepted', async () => {
    assert.equal((await verify(await signToken(rsa, claims({ exp: NOW - 299, iat: NOW - 4000 })))).sub, SUB);
  });

  it('nbf in the future beyond the window is invalid, within it accepted', async () => {
    await invalid(verify(await signToken(rsa, claims({ nbf: NOW + 301 }))), `Token not yet valid: current date/time ${NOW} must be after the not-before date/time ${NOW + 301}`);
    assert.equal((await verify(await signToken(rsa, claims({ nbf: NOW + 300 })))).sub, SUB);
  });

  it('iat in the future beyond the window is invalid, within it accepted', async () => {
    await invalid(verify(await signToken(rsa, claims({ iat: NOW + 301 }))), `Token issued in the future: current date/time ${NOW} must be after the issued-at date/time ${NOW + 301}`);
    assert.equal((await verify(await signToken(rsa, claims({ iat: NOW + 300 })))).sub, SUB);
  });

  it('timestamps must be integer NumericDates; exp is required', async () => {
    for (const [claim, value] of [['exp', NOW + 0.5], ['exp', String(NOW + 60)], ['nbf', NOW - 1.25], ['iat', '0'], ['iat', null]] as const) {
      await invalid(verify(await signToken(rsa, claims({ [claim]: value }))), new RegExp(`^Invalid claim ${claim}: timestamps`));
    }
    const { exp: _e, ...noExp } = claims();
    await invalid(verify(await signToken(rsa, noExp)), 'Missing a required claim: exp');
  });

  it('optional maximum token age: "Token too old: <age>"', async () => {
    const token = await signToken(rsa, claims({ iat: NOW - 90_000, exp: NOW + 60 }));
    assert.equal((await verify(token)).sub, SUB);
    await rejectsWith(verify(token, new JwksClient(), { maxTokenAgeSeconds: 86_400 }), 'ExpiredTokenException', 'Token too old: 90000');
  });

  it('checks the signature before the time claims', async () => {
    const [h, , s] = (await signToken(rsa, claims())).split('.');
    await invalid(verify(`${h}.${b64(claims({ exp: NOW - 10_000 }))}.${s}`), SIGNATURE_INVALID);
  });
});
