import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { DomainError } from '#src/common/errors/domain.error';
import { request } from './http-client';
import { BlockedAddressError, isBlockedAddress, parseOktaDomain } from './outbound-guard';

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-ip',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '172.32.0.1', '104.16.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );
});

describe('parseOktaDomain', () => {
  it.each([
    ['acme.okta.com', 'acme.okta.com'],
    ['ACME.Okta.com', 'acme.okta.com'],
    ['https://acme.oktapreview.com', 'acme.oktapreview.com'],
    ['https://login.example.com/', 'login.example.com'],
    ['  acme.okta-emea.com ', 'acme.okta-emea.com'],
  ])('accepts %p as %p over https', (input, domain) => {
    expect(parseOktaDomain(input, [])).toEqual({
      domain,
      baseUrl: `https://${domain}`,
      allowPrivateAddresses: false,
    });
  });

  it('accepts an allow-listed host over http, with its port', () => {
    expect(parseOktaDomain('127.0.0.1:4100', ['127.0.0.1:4100'])).toEqual({
      domain: '127.0.0.1:4100',
      baseUrl: 'http://127.0.0.1:4100',
      allowPrivateAddresses: true,
    });
    expect(() => parseOktaDomain('127.0.0.1:4101', ['127.0.0.1:4100'])).toThrow(DomainError);
  });

  it.each([
    'http://acme.okta.com',
    'javascript://acme.okta.com',
    'acme.okta.com/x',
    'acme.okta.com?x=1',
    'acme.okta.com#x',
    'acme.okta.com:443',
    'u:p@acme.okta.com',
    '127.0.0.1',
    '[fe80::1]',
    '2130706433.com.1',
    'localhost',
    'a.localhost',
    'acme',
    '-acme.okta.com',
    'acme..okta.com',
    'okta.internal',
    '',
  ])('refuses %p', (input) => {
    expect(() => parseOktaDomain(input, [])).toThrow(DomainError);
  });
});

describe('guarded outbound requests', () => {
  it('refuses to dial a name that resolves to loopback, and allows it only for allow-listed hosts', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const url = `http://localhost:${port}/`;
      await expect(
        request(url, { method: 'GET', timeoutMs: 2000, allowPrivateAddresses: false }),
      ).rejects.toBeInstanceOf(BlockedAddressError);
      const ok = await request(url, { method: 'GET', timeoutMs: 2000, allowPrivateAddresses: true });
      expect(ok).toMatchObject({ status: 200, body: 'ok' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
