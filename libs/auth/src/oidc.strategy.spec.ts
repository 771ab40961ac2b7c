import { OidcSettings, parseGroupRoles, principalFromClaims } from './oidc.strategy';

type ClaimSettings = Pick<OidcSettings, 'tenantClaim' | 'groupsClaim' | 'groupRoles'>;

describe('principalFromClaims', () => {
  const settings = (overrides: Partial<ClaimSettings> = {}): ClaimSettings =>
    ({ tenantClaim: 'tenant', groupsClaim: 'groups', groupRoles: {}, ...overrides });
  const claims = (overrides: Record<string, unknown> = {}) => ({ sub: 'ann@example.com', tenant: 'acme', groups: ['viewer'], ...overrides });
  const grantsOf = (c: Record<string, unknown>, s = settings()) => Object.fromEntries(principalFromClaims(c, s).grants);

  describe('who the caller is', () => {
    it('is an OIDC principal acting as oidc:<sub>', () => {
      const principal = principalFromClaims(claims(), settings());
      expect(principal.kind).toBe('oidc');
      expect(principal.actor).toBe('oidc:ann@example.com');
    });

    it('is oidc:unknown when the token has no string sub', () => {
      expect(principalFromClaims(claims({ sub: undefined }), settings()).actor).toBe('oidc:unknown');
      expect(principalFromClaims(claims({ sub: 42 }), settings()).actor).toBe('oidc:unknown');
    });

    it('is never a platform admin, whatever the token claims', () => {
      expect(principalFromClaims(claims({ groups: ['admin'], platformAdmin: true }), settings()).platformAdmin).toBe(false);
    });
  });

  describe('the tenants granted', () => {
    it('come from a tenant claim that is a string', () => {
      expect(grantsOf(claims({ tenant: 'acme' }))).toEqual({ acme: ['viewer'] });
    });

    it('come from a tenant claim that is a list', () => {
      expect(grantsOf(claims({ tenant: ['acme', 'globex'] }))).toEqual({ acme: ['viewer'], globex: ['viewer'] });
    });

    it('leave out values that are not tenant ids', () => {
      expect(grantsOf(claims({ tenant: ['acme', 'Not A Tenant', 7, null, 'a', ''] }))).toEqual({ acme: ['viewer'] });
    });

    it('are none without a tenant claim, or with one of another type', () => {
      expect(grantsOf(claims({ tenant: undefined }))).toEqual({});
      expect(grantsOf(claims({ tenant: { id: 'acme' } }))).toEqual({});
    });

    it('are read from the configured tenant claim', () => {
      const s = settings({ tenantClaim: 'https://tributary.dev/tenants' });
      expect(grantsOf(claims({ tenant: 'ignored', 'https://tributary.dev/tenants': ['globex'] }), s)).toEqual({ globex: ['viewer'] });
    });
  });

  describe('the roles granted', () => {
    it('come from groups named like a role', () => {
      expect(grantsOf(claims({ groups: ['viewer', 'ingest'] }))).toEqual({ acme: ['viewer', 'ingest'] });
    });

    it('come from groups mapped to a role', () => {
      const s = settings({ groupRoles: { 'data-stewards': 'steward' } });
      expect(grantsOf(claims({ groups: ['data-stewards'] }), s)).toEqual({ acme: ['steward'] });
    });

    it('follow the mapping over the name when a mapped group is named like a role', () => {
      const s = settings({ groupRoles: { admin: 'viewer' } });
      expect(grantsOf(claims({ groups: ['admin'] }), s)).toEqual({ acme: ['viewer'] });
    });

    it('ignore groups that are neither mapped nor named like a role', () => {
      expect(grantsOf(claims({ groups: ['marketing', 'Viewer', 42] }))).toEqual({ acme: [] });
    });

    it('are listed once each', () => {
      const s = settings({ groupRoles: { 'data-stewards': 'steward' } });
      expect(grantsOf(claims({ groups: ['steward', 'data-stewards', 'steward'] }), s)).toEqual({ acme: ['steward'] });
    });

    it('come from a groups claim that is a single string', () => {
      expect(grantsOf(claims({ groups: 'steward' }))).toEqual({ acme: ['steward'] });
    });

    it('are none without a groups claim', () => {
      expect(grantsOf(claims({ groups: undefined }))).toEqual({ acme: [] });
    });

    it('are read from the configured groups claim', () => {
      const s = settings({ groupsClaim: 'roles' });
      expect(grantsOf(claims({ groups: ['admin'], roles: ['support'] }), s)).toEqual({ acme: ['support'] });
    });

    it('ignore groups named like properties of a plain object', () => {
      expect(grantsOf(claims({ groups: ['constructor', 'toString', '__proto__', 'hasOwnProperty'] }))).toEqual({ acme: [] });
    });

    it('are the same in every tenant granted', () => {
      expect(grantsOf(claims({ tenant: ['acme', 'globex'], groups: ['steward'] }))).toEqual({ acme: ['steward'], globex: ['steward'] });
    });
  });
});

describe('parseGroupRoles', () => {
  describe('a list of group=role pairs', () => {
    it('maps each group to its role', () => {
      expect(parseGroupRoles('data-stewards=steward,platform-ops=support')).toEqual({ 'data-stewards': 'steward', 'platform-ops': 'support' });
    });

    it('tolerates spaces and empty entries', () => {
      expect(parseGroupRoles(' data-stewards = steward , , readers=viewer,')).toEqual({ 'data-stewards': 'steward', readers: 'viewer' });
    });

    it('maps a group named like a property of a plain object', () => {
      expect(parseGroupRoles('__proto__=admin')['__proto__']).toBe('admin');
    });

    it('keeps the last role of a group named twice', () => {
      expect(parseGroupRoles('ops=viewer,ops=support')).toEqual({ ops: 'support' });
    });
  });

  describe('an empty setting', () => {
    it('maps nothing', () => {
      expect(parseGroupRoles('')).toEqual({});
      expect(parseGroupRoles('  ')).toEqual({});
    });
  });

  describe('a pair that is not group=role with a known role', () => {
    it.each([
      ['an unknown role', 'ops=root'],
      ['a role in the wrong case', 'ops=Steward'],
      ['no role', 'ops='],
      ['no group', '=steward'],
      ['no equals sign', 'ops'],
      ['two equals signs', 'ops=steward=admin'],
    ])('is refused at boot: %s', (_, spec) => {
      expect(() => parseGroupRoles(`readers=viewer,${spec}`)).toThrow(`OIDC_GROUP_ROLES: "${spec}" is not group=role with a known role`);
    });
  });
});
