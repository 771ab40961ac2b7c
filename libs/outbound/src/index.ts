export * from './outbound-http';
export * from './outbound-policy';
export * from './node-outbound-http';
export { isPublicAddress } from './address-ranges';
export * from './retry-after';
