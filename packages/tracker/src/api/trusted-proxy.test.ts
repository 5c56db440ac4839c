import { describe, expect, it } from 'vitest';
import { parseTrustProxy, TrustProxyError } from './trusted-proxy.js';

describe('parseTrustProxy', () => {
  it('accepts addresses and CIDR ranges, IPv4 and IPv6, comma-separated', () => {
    expect(parseTrustProxy('10.0.0.0/8, 127.0.0.1,fd00::/8')).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    expect(parseTrustProxy('192.168.1.0/024')).toEqual(['192.168.1.0/24']);
  });

  it('refuses anything else with a message naming the entry', () => {
    for (const bad of ['', 'proxy.example', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1', '10.0.0.0/x', '10.0.0.0/']) {
      expect(() => parseTrustProxy(bad)).toThrow(TrustProxyError);
    }
    expect(() => parseTrustProxy('10.0.0.0/8,nope')).toThrow('"nope" is not an IP address or a CIDR range');
  });
});
