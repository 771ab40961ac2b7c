import { hasAnyRole, isRole, PLATFORM_ROLES, Role, ROLES } from './roles';

describe('hasAnyRole', () => {
  const allows = (granted: Role[], required: Role[]) => hasAnyRole(granted, required);

  describe('an admin', () => {
    it.each(ROLES.filter((r) => !PLATFORM_ROLES.includes(r)).map((r) => [r]))('may do what needs %s', (required) => {
      expect(allows(['admin'], [required])).toBe(true);
    });

    it('may not read the platform\'s metrics (they name every tenant)', () => {
      expect(allows(['admin'], ['metrics'])).toBe(false);
    });
  });

  describe('a metrics reader', () => {
    it('may read metrics and nothing else', () => {
      expect(allows(['metrics'], ['metrics'])).toBe(true);
      for (const required of ROLES.filter((r) => r !== 'metrics')) expect(allows(['metrics'], [required])).toBe(false);
    });
  });

  describe('a steward', () => {
    it('may steward and read', () => {
      expect(allows(['steward'], ['steward'])).toBe(true);
      expect(allows(['steward'], ['viewer'])).toBe(true);
    });

    it('may not administer, ingest or support', () => {
      expect(allows(['steward'], ['admin'])).toBe(false);
      expect(allows(['steward'], ['ingest'])).toBe(false);
      expect(allows(['steward'], ['support'])).toBe(false);
    });
  });

  describe('a support engineer', () => {
    it('may support and read', () => {
      expect(allows(['support'], ['support'])).toBe(true);
      expect(allows(['support'], ['viewer'])).toBe(true);
    });

    it('may not write', () => {
      expect(allows(['support'], ['steward', 'ingest'])).toBe(false);
    });
  });

  describe('a viewer', () => {
    it('may only read', () => {
      expect(allows(['viewer'], ['viewer'])).toBe(true);
      for (const required of ROLES.filter((r) => r !== 'viewer')) expect(allows(['viewer'], [required])).toBe(false);
    });
  });

  describe('an ingest machine', () => {
    it('may push but not read (write-only)', () => {
      expect(allows(['ingest'], ['steward', 'ingest'])).toBe(true);
      expect(allows(['ingest'], ['viewer'])).toBe(false);
    });
  });

  describe('several required roles', () => {
    it('are alternatives: one of them is enough', () => {
      expect(allows(['ingest'], ['steward', 'ingest'])).toBe(true);
      expect(allows(['steward'], ['steward', 'ingest'])).toBe(true);
    });
  });

  describe('several granted roles', () => {
    it('add up', () => {
      expect(allows(['ingest', 'viewer'], ['viewer'])).toBe(true);
      expect(allows(['ingest', 'viewer'], ['ingest'])).toBe(true);
    });
  });

  describe('no granted role', () => {
    it('allows nothing', () => {
      for (const required of ROLES) expect(allows([], [required])).toBe(false);
    });
  });
});

describe('isRole', () => {
  describe('a role name', () => {
    it.each(ROLES.map((r) => [r]))('%s is a role', (name) => {
      expect(isRole(name)).toBe(true);
    });
  });

  describe('anything else', () => {
    it.each([['Admin'], ['root'], [''], [' viewer'], ['constructor'], ['__proto__']])('%j is not a role', (name) => {
      expect(isRole(name)).toBe(false);
    });
  });
});
