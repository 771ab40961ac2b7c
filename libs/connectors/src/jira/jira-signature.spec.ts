import { createHmac } from 'node:crypto';
import { verifyJiraSignature } from './jira-signature';

const SECRET = 'jira-webhook-secret';
const BODY = Buffer.from('{"timestamp":1764755400000,"webhookEvent":"jira:issue_updated","issue":{"id":"10001","key":"OPS-1"}}');
const hex = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const signed = (value: string | string[] | undefined, name = 'x-hub-signature') => ({ [name]: value, 'content-type': 'application/json' });

describe(verifyJiraSignature.name, () => {
  describe('a valid signature', () => {
    it('is accepted as Jira sends it: sha256= and lower-case hex', () => {
      expect(verifyJiraSignature(BODY, signed(`sha256=${hex(BODY)}`), SECRET)).toBe(true);
    });

    it('is accepted with upper-case hex, an upper-case method, spaces around, or a header name in any case', () => {
      expect(verifyJiraSignature(BODY, signed(`sha256=${hex(BODY).toUpperCase()}`), SECRET)).toBe(true);
      expect(verifyJiraSignature(BODY, signed(`SHA256=${hex(BODY)}`), SECRET)).toBe(true);
      expect(verifyJiraSignature(BODY, signed(` sha256=${hex(BODY)} `), SECRET)).toBe(true);
      expect(verifyJiraSignature(BODY, signed(`sha256=${hex(BODY)}`, 'X-Hub-Signature'), SECRET)).toBe(true);
    });

    it('is over the raw bytes, JSON or not', () => {
      const raw = Buffer.from([0x7b, 0xff, 0x7d]);
      expect(verifyJiraSignature(raw, signed(`sha256=${hex(raw)}`), SECRET)).toBe(true);
    });
  });

  describe('refusals', () => {
    it('refuses a signature made with another secret', () => {
      expect(verifyJiraSignature(BODY, signed(`sha256=${hex(BODY, 'another-secret')}`), SECRET)).toBe(false);
    });

    it('refuses a tampered body, and the same JSON re-serialized', () => {
      const signature = signed(`sha256=${hex(BODY)}`);
      expect(verifyJiraSignature(Buffer.from(BODY.toString().replace('OPS-1', 'OPS-2')), signature, SECRET)).toBe(false);
      expect(verifyJiraSignature(Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 1)), signature, SECRET)).toBe(false);
    });

    it('refuses a missing, empty or repeated header', () => {
      expect(verifyJiraSignature(BODY, { 'content-type': 'application/json' }, SECRET)).toBe(false);
      expect(verifyJiraSignature(BODY, signed(undefined), SECRET)).toBe(false);
      expect(verifyJiraSignature(BODY, signed(''), SECRET)).toBe(false);
      expect(verifyJiraSignature(BODY, signed([`sha256=${hex(BODY)}`, `sha256=${hex(BODY)}`]), SECRET)).toBe(false);
    });

    it('refuses a malformed value: no method, another method, short, long or not hex', () => {
      const good = hex(BODY);
      for (const value of [good, `sha1=${good.slice(0, 40)}`, `sha512=${good}`, `sha256=${good.slice(0, 63)}`, `sha256=${good}00`,
        `sha256=${good.slice(0, 63)}g`, `sha256=${Buffer.from(good, 'hex').toString('base64')}`, `sha256 ${good}`]) {
        expect(verifyJiraSignature(BODY, signed(value), SECRET)).toBe(false);
      }
    });

    it('refuses the -256 header GitHub uses: Jira signs in X-Hub-Signature', () => {
      expect(verifyJiraSignature(BODY, signed(`sha256=${hex(BODY)}`, 'x-hub-signature-256'), SECRET)).toBe(false);
    });

    it('verifies nothing with an empty secret', () => {
      expect(verifyJiraSignature(BODY, signed(`sha256=${hex(BODY, '')}`), '')).toBe(false);
    });
  });
});
