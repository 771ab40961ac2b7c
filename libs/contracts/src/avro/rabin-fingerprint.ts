/**
 * CRC-64-AVRO, the Rabin fingerprint the Avro specification uses for single-object encoding,
 * computed over a schema's Parsing Canonical Form.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & (-(fp & 1n) & MASK));
  return fp;
});

export function rabinFingerprint(canonicalForm: string): Buffer {
  let fp = EMPTY;
  for (const byte of Buffer.from(canonicalForm, 'utf8')) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)];
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp & MASK);
  return out;
}
