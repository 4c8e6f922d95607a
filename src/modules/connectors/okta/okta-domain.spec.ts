import { ConnectorInputError } from '#src/modules/connectors/connector-driver.port';
import { parseOktaDomain } from './okta-domain';

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
    expect(() => parseOktaDomain('127.0.0.1:4101', ['127.0.0.1:4100'])).toThrow(ConnectorInputError);
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
    expect(() => parseOktaDomain(input, [])).toThrow(ConnectorInputError);
  });
});
