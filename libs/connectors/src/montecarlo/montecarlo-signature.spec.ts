import { createHmac } from 'node:crypto';
import { pythonFloatRepr, pythonStringRepr, pythonUrlencodeForm, quotePlus, verifyMonteCarloSignature } from './montecarlo-signature';

/*
 * Expected strings below were produced once with CPython 3.11 (`urllib.parse.urlencode(json.loads(text))`
 * and `hmac.new(secret, data, hashlib.sha512).hexdigest()`) and pasted in as literals.
 */

const SECRET = 'whsec-test';

/** A legacy v0.1 custom-rule delivery, exactly as signed by the Python reference. */
const ENVELOPE =
  '{"account": {"id": "9a59c6f1-203a-4c72-8cd7-132db7f21b92"}, "action": "incident", "type": "open_custom_rule_anomaly_incident", "version": "v0.1", "payload": {"incident_id": "f83867b6", "url": "https://getmontecarlo.com/incidents/f83867b6", "group_id": null, "event_list": [{"table_name": null, "data": {"hits": 3}, "rule": {"uuid": "r1", "rule_type": "custom_sql", "description": "Orders without customer"}}]}}';
const ENVELOPE_FORM =
  'account=%7B%27id%27%3A+%279a59c6f1-203a-4c72-8cd7-132db7f21b92%27%7D&action=incident&type=open_custom_rule_anomaly_incident&version=v0.1&payload=%7B%27incident_id%27%3A+%27f83867b6%27%2C+%27url%27%3A+%27https%3A%2F%2Fgetmontecarlo.com%2Fincidents%2Ff83867b6%27%2C+%27group_id%27%3A+None%2C+%27event_list%27%3A+%5B%7B%27table_name%27%3A+None%2C+%27data%27%3A+%7B%27hits%27%3A+3%7D%2C+%27rule%27%3A+%7B%27uuid%27%3A+%27r1%27%2C+%27rule_type%27%3A+%27custom_sql%27%2C+%27description%27%3A+%27Orders+without+customer%27%7D%7D%5D%7D';
const ENVELOPE_RAW_SIGNATURE =
  '6e64f5ce93230e5dd4e3fec885074cfe07dc6548ef40da18eff90a8dc93cc4140ccea2a5454d8f621d46181b4b234337abd112e9b582d87a162b64ea5d1d081e';
const ENVELOPE_FORM_SIGNATURE =
  '436b1e6a082409f5f6f314a7a94dac21ef15f66537ccc21310c6395d2f9526ebfe4d06de75b0b8dd8e601444d842bd338a39a41acc3f5ed250cdab89223490de';

const sign = (data: string | Buffer, secret = SECRET) => createHmac('sha512', secret).update(data).digest('hex');
const body = (text: string) => Buffer.from(text, 'utf8');

describe('verifyMonteCarloSignature', () => {
  describe('a signature over the raw body', () => {
    it('accepts the reference signature', () => {
      expect(verifyMonteCarloSignature(body(ENVELOPE), ENVELOPE_RAW_SIGNATURE, SECRET)).toBe(true);
    });

    it('accepts any body, JSON object or not, signed byte for byte', () => {
      for (const text of ['{"a": 1}', '[1, 2]', 'not json at all', '']) {
        expect(verifyMonteCarloSignature(body(text), sign(body(text)), SECRET)).toBe(true);
      }
    });

    it('accepts a body that is not valid UTF-8', () => {
      const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
      expect(verifyMonteCarloSignature(raw, sign(raw), SECRET)).toBe(true);
    });
  });

  describe("a signature over Monte Carlo's sample-verifier form", () => {
    it('accepts the reference signature', () => {
      expect(verifyMonteCarloSignature(body(ENVELOPE), ENVELOPE_FORM_SIGNATURE, SECRET)).toBe(true);
    });

    it('accepts a unicode, nested body signed over its form', () => {
      const text = '{"title": "Café ☕ 数据", "nested": {"名": "é😀", "list": [1.0, null, true]}}';
      const form = "title=Caf%C3%A9+%E2%98%95+%E6%95%B0%E6%8D%AE&nested=%7B%27%E5%90%8D%27%3A+%27%C3%A9%F0%9F%98%80%27%2C+%27list%27%3A+%5B1.0%2C+None%2C+True%5D%7D";
      expect(pythonUrlencodeForm(text)).toBe(form);
      expect(verifyMonteCarloSignature(body(text), sign(form), SECRET)).toBe(true);
    });

    it('reads a UTF-8 byte order mark as Python reading bytes does', () => {
      const raw = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body('{"a": 1}')]);
      expect(verifyMonteCarloSignature(raw, sign('a=1'), SECRET)).toBe(true);
    });
  });

  describe('hex case', () => {
    it('accepts upper-case hex: it decodes to the same digest bytes', () => {
      expect(verifyMonteCarloSignature(body(ENVELOPE), ENVELOPE_RAW_SIGNATURE.toUpperCase(), SECRET)).toBe(true);
      expect(verifyMonteCarloSignature(body(ENVELOPE), ENVELOPE_FORM_SIGNATURE.toUpperCase(), SECRET)).toBe(true);
    });
  });

  describe('rejections', () => {
    const raw = body(ENVELOPE);

    it('rejects a missing or empty header', () => {
      expect(verifyMonteCarloSignature(raw, undefined, SECRET)).toBe(false);
      expect(verifyMonteCarloSignature(raw, '', SECRET)).toBe(false);
    });

    it('rejects a signature made with another secret', () => {
      expect(verifyMonteCarloSignature(raw, sign(raw, 'another-secret'), SECRET)).toBe(false);
      expect(verifyMonteCarloSignature(raw, sign(ENVELOPE_FORM, 'another-secret'), SECRET)).toBe(false);
    });

    it('rejects a short, truncated or over-long signature without comparing', () => {
      expect(verifyMonteCarloSignature(raw, ENVELOPE_RAW_SIGNATURE.slice(0, 127), SECRET)).toBe(false);
      expect(verifyMonteCarloSignature(raw, ENVELOPE_RAW_SIGNATURE.slice(0, 64), SECRET)).toBe(false);
      expect(verifyMonteCarloSignature(raw, `${ENVELOPE_RAW_SIGNATURE}00`, SECRET)).toBe(false);
      expect(verifyMonteCarloSignature(raw, 'ab', SECRET)).toBe(false);
    });

    it('rejects a signature that is not hex', () => {
      expect(verifyMonteCarloSignature(raw, `${ENVELOPE_RAW_SIGNATURE.slice(0, 127)}g`, SECRET)).toBe(false);
      expect(verifyMonteCarloSignature(raw, `sha512=${ENVELOPE_RAW_SIGNATURE}`, SECRET)).toBe(false);
      expect(verifyMonteCarloSignature(raw, Buffer.from(ENVELOPE_RAW_SIGNATURE, 'hex').toString('base64'), SECRET)).toBe(false);
    });

    it('rejects a tampered body under either form', () => {
      const tampered = body(ENVELOPE.replace('f83867b6', 'f83867b7'));
      expect(verifyMonteCarloSignature(tampered, ENVELOPE_RAW_SIGNATURE, SECRET)).toBe(false);
      expect(verifyMonteCarloSignature(tampered, ENVELOPE_FORM_SIGNATURE, SECRET)).toBe(false);
    });

    it('rejects a re-serialized body signed over the raw bytes of the original', () => {
      const reserialized = body(JSON.stringify(JSON.parse(ENVELOPE)));
      expect(verifyMonteCarloSignature(reserialized, ENVELOPE_RAW_SIGNATURE, SECRET)).toBe(false);
    });

    it('verifies nothing with an empty secret', () => {
      expect(verifyMonteCarloSignature(raw, sign(raw, ''), '')).toBe(false);
    });
  });
});

describe('pythonUrlencodeForm', () => {
  describe('a Monte Carlo envelope', () => {
    it('is the key order of the JSON text, nested values as Python repr', () => {
      expect(pythonUrlencodeForm(ENVELOPE)).toBe(ENVELOPE_FORM);
    });
  });

  describe('unicode', () => {
    it('percent-encodes top-level strings as UTF-8 and keeps printable characters in reprs', () => {
      const text = '{"title": "Caf\u00e9 \u2615 \u6570\u636e", "escaped": "caf\\u00e9 \\ud83d\\ude00", "nested": {"\u540d": "\u00e9\ud83d\ude00"}}';
      expect(pythonUrlencodeForm(text)).toBe(
        'title=Caf%C3%A9+%E2%98%95+%E6%95%B0%E6%8D%AE&escaped=caf%C3%A9+%F0%9F%98%80&nested=%7B%27%E5%90%8D%27%3A+%27%C3%A9%F0%9F%98%80%27%7D',
      );
    });
  });

  describe('strings inside containers', () => {
    it('quote and escape as Python repr does', () => {
      const text =
        '{"v": ["it\\u0027s", "say \\"hi\\"", "it\\u0027s \\"both\\"", "back\\\\slash", "tab\\tnl\\ncr\\r", "\\u0001\\u001f\\u007f", "\\u0085\\u00a0\\u00ad\\u00e9", "\\u2028\\u200b\\ufeff", "\\ue000\\u0378", "\\ud800", "\\ud83d\\ude00"]}';
      expect(pythonUrlencodeForm(text)).toBe(
        'v=%5B%22it%27s%22%2C+%27say+%22hi%22%27%2C+%27it%5C%27s+%22both%22%27%2C+%27back%5C%5Cslash%27%2C+%27tab%5Ctnl%5Cncr%5Cr%27%2C+%27%5Cx01%5Cx1f%5Cx7f%27%2C+%27%5Cx85%5Cxa0%5Cxad%C3%A9%27%2C+%27%5Cu2028%5Cu200b%5Cufeff%27%2C+%27%5Cue000%5Cu0378%27%2C+%27%5Cud800%27%2C+%27%F0%9F%98%80%27%5D',
      );
    });

    it('matches repr on single strings', () => {
      expect(pythonStringRepr("it's")).toBe(`"it's"`);
      expect(pythonStringRepr(`it's "x"`)).toBe(`'it\\'s "x"'`);
      expect(pythonStringRepr('\u0000\u00ff\u0100\u{10ffff}')).toBe("'\\x00ÿĀ\\U0010ffff'");
    });
  });

  describe('numbers', () => {
    it('keeps every digit of big ints, and writes floats as Python repr', () => {
      const text =
        '{"big": 123456789012345678901234567890, "neg": -98765432109876543210, "zero": -0, "list": [123456789012345678901234567890, 1.0, 0.1, 1E15, 1e16, 1.5e-7, 1e-5, 0.0001, -0.0, 1e400, 123456789012345678.0, 2.5E+3, 3.14159, -1e-400], "f": 1.10}';
      expect(pythonUrlencodeForm(text)).toBe(
        'big=123456789012345678901234567890&neg=-98765432109876543210&zero=0&list=%5B123456789012345678901234567890%2C+1.0%2C+0.1%2C+1000000000000000.0%2C+1e%2B16%2C+1.5e-07%2C+1e-05%2C+0.0001%2C+-0.0%2C+inf%2C+1.2345678901234568e%2B17%2C+2500.0%2C+3.14159%2C+-0.0%5D&f=1.1',
      );
    });

    it('refuses an int over 4300 digits, as Python 3.11 does', () => {
      expect(pythonUrlencodeForm(`{"n": ${'1'.repeat(4300)}}`)).toBe(`n=${'1'.repeat(4300)}`);
      expect(pythonUrlencodeForm(`{"n": -${'1'.repeat(4300)}}`)).toBe(`n=-${'1'.repeat(4300)}`);
      expect(pythonUrlencodeForm(`{"n": ${'1'.repeat(4301)}}`)).toBeUndefined();
    });
  });

  describe('pythonFloatRepr', () => {
    it.each([
      [1, '1.0'], [0.1, '0.1'], [1e16, '1e+16'], [1e15, '1000000000000000.0'], [1.5e-7, '1.5e-07'], [1e-5, '1e-05'],
      [0.0001, '0.0001'], [-0, '-0.0'], [0, '0.0'], [1e22, '1e+22'], [123.456, '123.456'], [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'], [Infinity, 'inf'], [-Infinity, '-inf'], [NaN, 'nan'],
    ])('%p → %s', (x, repr) => {
      expect(pythonFloatRepr(x)).toBe(repr);
    });
  });

  describe('literals', () => {
    it('writes True, False, None and accepts NaN and Infinity as json.loads does', () => {
      const text = '{"t": true, "f": false, "n": null, "nan": NaN, "inf": [Infinity, -Infinity], "empty": {}, "none": []}';
      expect(pythonUrlencodeForm(text)).toBe('t=True&f=False&n=None&nan=nan&inf=%5Binf%2C+-inf%5D&empty=%7B%7D&none=%5B%5D');
    });
  });

  describe('duplicate keys', () => {
    it('take the last value at the first position, at every level', () => {
      expect(pythonUrlencodeForm('{"a": 1, "b": {"x": 1, "y": 2, "x": 3}, "a": "last"}')).toBe(
        'a=last&b=%7B%27x%27%3A+3%2C+%27y%27%3A+2%7D',
      );
    });
  });

  describe('quote_plus', () => {
    it('keeps A-Za-z0-9_.-~, writes space as +, escapes everything else in upper-case hex', () => {
      expect(pythonUrlencodeForm('{"a b/c&d=e~f_g.h-i": "x+y z%", "": ""}')).toBe('a+b%2Fc%26d%3De~f_g.h-i=x%2By+z%25&=');
      expect(quotePlus('é/')).toBe('%C3%A9%2F');
    });
  });

  describe('whitespace', () => {
    it('is insignificant around tokens', () => {
      expect(pythonUrlencodeForm(' \n{ "a" :\t[ 1 , { "b" : null } ] }\r\n')).toBe('a=%5B1%2C+%7B%27b%27%3A+None%7D%5D');
    });
  });

  describe('what Python refuses', () => {
    it('has no form for a lone surrogate in a top-level key or string value (UTF-8 cannot encode it)', () => {
      expect(pythonUrlencodeForm('{"a": "\\ud800"}')).toBeUndefined();
      expect(pythonUrlencodeForm('{"\\udc00": 1}')).toBeUndefined();
      expect(pythonUrlencodeForm('{"a": ["\\ud800"]}')).toBe('a=%5B%27%5Cud800%27%5D');
    });

    it('has no form for a body that is not a JSON object', () => {
      for (const text of ['[]', '"x"', '1', 'null', '']) expect(pythonUrlencodeForm(text)).toBeUndefined();
    });

    it('has no form for text json.loads rejects', () => {
      for (const text of ['{"a": 1,}', "{'a': 1}", '{"a": 01}', '{"a": "\u0001"}', '{"a": 1} x', '{"a": "\\x41"}', '{"a": .5}', '{"a": 1.}']) {
        expect(pythonUrlencodeForm(text)).toBeUndefined();
      }
    });
  });
});
