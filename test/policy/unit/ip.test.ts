import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCidr, parseIp } from '../../../src/policy/conditions/ip.js';

describe('IP addresses and CIDRs (RFC 4632, RFC 4291)', () => {
  it('parses IPv4 and rejects malformed addresses', () => {
    assert.equal(parseIp('10.0.0.1')?.value, 0x0a000001n);
    for (const bad of ['10.0.0', '256.0.0.1', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', '']) assert.equal(parseIp(bad), undefined, bad);
  });
  it('parses IPv6 forms, compressed and with an IPv4 tail', () => {
    assert.equal(parseIp('::1')?.value, 1n);
    assert.equal(parseIp('2001:db8::')?.value, 0x20010db8n << 96n);
    assert.equal(parseIp('::ffff:10.0.0.1')?.value, (0xffffn << 32n) | 0x0a000001n);
    assert.equal(parseIp('1:2:3:4:5:6:7:8')?.value, 0x00010002000300040005000600070008n);
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':::', '1:2:3:4:5:6:7']) assert.equal(parseIp(bad), undefined, bad);
  });
  it('masks networks and reads a bare address as a host', () => {
    const c = parseCidr('203.0.113.77/24');
    assert.equal(c?.network, 0xcb007100n);
    assert.equal(parseCidr('203.0.113.77')?.mask, 0xffffffffn);
    assert.equal(parseCidr('2001:db8::/32')?.mask, ((1n << 32n) - 1n) << 96n);
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr('10.0.0.0/x'), undefined);
    assert.equal(parseCidr('0.0.0.0/0')?.mask, 0n);
  });
});
