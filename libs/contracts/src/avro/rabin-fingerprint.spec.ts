import { rabinFingerprint } from './rabin-fingerprint';

describe(rabinFingerprint.name, () => {
  // Reference values from the Avro specification's test suite (CRC-64-AVRO of primitive schemas' canonical forms).
  it.each([
    ['"int"', 0x7275d51a3f395c8fn],
    ['"string"', 0x8f014872634503c7n],
    ['"null"', 0x63dd24e7cc258f8an],
  ])('fingerprints %s as the Avro spec does', (canonical, expected) => {
    expect(rabinFingerprint(canonical).readBigUInt64LE()).toBe(expected);
  });
});
