import { parseKey } from './api-key.service';

describe('parseKey', () => {
  const SECRET = 'Zq3_vL-9xR2mN8pK4tW7yB1cD5fG6hJ0aE_sU-oI2kM';
  const key = ({ prefix = 'trb', id = '0a1b2c3d4e5f6789', secret = SECRET } = {}) => `${prefix}_${id}_${secret}`;

  describe('a key of the issued shape trb_<id>_<secret>', () => {
    it('splits into its id and its secret', () => {
      expect(parseKey(key())).toEqual({ id: '0a1b2c3d4e5f6789', secret: SECRET });
    });

    it('keeps underscores and dashes in the secret (base64url), splitting at the first underscore after the id', () => {
      expect(parseKey(key({ id: 'abc', secret: '__--__--__--__--__--' }))).toEqual({ id: 'abc', secret: '__--__--__--__--__--' });
    });

    it('accepts a secret of exactly 20 characters', () => {
      expect(parseKey(key({ secret: 'a'.repeat(20) }))?.secret).toBe('a'.repeat(20));
    });
  });

  describe('anything else is malformed', () => {
    it.each([
      ['an empty string', ''],
      ['no trb_ prefix', key({ prefix: 'sk' })],
      ['an upper-case prefix', key({ prefix: 'TRB' })],
      ['no id', key({ id: '' })],
      ['an id with other characters than letters and digits', key({ id: 'ab-cd' })],
      ['no secret', 'trb_0a1b2c3d4e5f6789_'],
      ['a secret shorter than 20 characters', key({ secret: 'a'.repeat(19) })],
      ['a secret with characters outside base64url', key({ secret: `${SECRET}+/=` })],
      ['surrounding whitespace', ` ${key()} `],
      ['an OIDC token', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2ln'],
    ])('%s', (_, value) => {
      expect(parseKey(value)).toBeUndefined();
    });
  });
});
