import { describe, expect, it } from 'vitest';
import { HostAllowList, parseHostHeader } from './web-host.js';

describe('HostAllowList', () => {
  it('allows loopback names and the bind address on the bound port only', () => {
    const list = new HostAllowList('127.0.0.1', ['192.0.2.7']);
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST:8080', '[::1]:8080']) expect(list.allows(host, 8080), host).toBe(true);
    expect(list.allows('127.0.0.1:8081', 8080)).toBe(false);
    expect(list.allows('127.0.0.1', 8080)).toBe(false);
    expect(list.allows('127.0.0.1', 80)).toBe(true);
    expect(list.allows('127.0.0.1', 443, true)).toBe(true);
  });

  it('refuses a rebound name, a machine address of a loopback-bound server, and garbage', () => {
    const list = new HostAllowList('127.0.0.1', ['192.0.2.7']);
    for (const host of ['evil.example:8080', '192.0.2.7:8080', '', 'a b:8080', '127.0.0.1:8080:1', undefined]) expect(list.allows(host, 8080), String(host)).toBe(false);
  });

  it('names the machine by its addresses when bound to every interface', () => {
    expect(new HostAllowList('0.0.0.0', ['192.0.2.7']).allows('192.0.2.7:9090', 9090)).toBe(true);
    expect(new HostAllowList('[::]', ['2001:DB8::1']).allows('[2001:db8::1]:9090', 9090)).toBe(true);
  });

  it('parses bracketed IPv6 hosts', () => {
    expect(parseHostHeader('[::1]:443')).toEqual({ name: '::1', port: 443 });
    expect(parseHostHeader('Example.org')).toEqual({ name: 'example.org', port: undefined });
  });
});
