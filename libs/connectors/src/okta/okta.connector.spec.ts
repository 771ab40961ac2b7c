import { nextLink } from './okta-api.source';
import { directoryFactOf, OktaLogEvent } from './okta-event-hook';
import { parseScimToken, sameSecret, scimMacMatches, scimToken } from './okta-secrets';

const USER = { id: '00uana', type: 'User', alternateId: 'ana@acme.io', displayName: 'Ana Lima' };
const GROUP = { id: '00gdata', type: 'UserGroup', alternateId: 'unknown', displayName: 'data-eng' };
const event = (eventType: string, target: object[], extra: object = {}): OktaLogEvent =>
  ({ uuid: 'e-1', published: '2026-12-01T10:00:00.000Z', eventType, target, outcome: { result: 'SUCCESS' }, ...extra }) as OktaLogEvent;

describe('directoryFactOf', () => {
  describe('user lifecycle events', () => {
    it.each([
      ['user.lifecycle.create', 'staged'], ['user.lifecycle.activate', 'active'], ['user.lifecycle.reactivate', 'active'],
      ['user.lifecycle.unsuspend', 'active'], ['user.lifecycle.suspend', 'suspended'], ['user.lifecycle.deactivate', 'deactivated'],
      ['user.lifecycle.delete.initiated', 'deleted'], ['user.lifecycle.delete.completed', 'deleted'],
    ])('%s leaves the person %s', (type, status) => {
      expect(directoryFactOf(event(type, [USER]))).toEqual({ eventId: 'e-1', time: '2026-12-01T10:00:00.000Z',
        person: { oktaId: '00uana', login: 'ana@acme.io', displayName: 'Ana Lima', status } });
    });
  });

  describe('profile, group and membership events', () => {
    it('a profile update states the login and name, not the status', () => {
      expect(directoryFactOf(event('user.account.update_profile', [USER]))!.person).toEqual({ oktaId: '00uana', login: 'ana@acme.io', displayName: 'Ana Lima' });
    });

    it('group create, rename and delete name the group (alternateId "unknown" is no name)', () => {
      expect(directoryFactOf(event('group.lifecycle.create', [GROUP]))!.group).toEqual({ oktaId: '00gdata', name: 'data-eng' });
      expect(directoryFactOf(event('group.profile.update', [{ ...GROUP, displayName: 'data-platform' }]))!.group).toEqual({ oktaId: '00gdata', name: 'data-platform' });
      expect(directoryFactOf(event('group.lifecycle.delete', [GROUP]))!.group).toEqual({ oktaId: '00gdata', name: 'data-eng', deleted: true });
    });

    it('membership add and remove name both, with member true or false', () => {
      expect(directoryFactOf(event('group.user_membership.add', [USER, GROUP]))).toMatchObject({ member: true, person: { oktaId: '00uana' }, group: { oktaId: '00gdata' } });
      expect(directoryFactOf(event('group.user_membership.remove', [USER, GROUP]))).toMatchObject({ member: false });
    });
  });

  describe('events the directory does not read', () => {
    it('another type, a failed outcome, or no target of the kind it is about: null', () => {
      expect(directoryFactOf(event('user.session.start', [USER]))).toBeNull();
      expect(directoryFactOf(event('user.lifecycle.deactivate', [USER], { outcome: { result: 'FAILURE' } }))).toBeNull();
      expect(directoryFactOf(event('user.lifecycle.deactivate', [GROUP]))).toBeNull();
      expect(directoryFactOf(event('group.user_membership.add', [USER]))).toBeNull();
    });
  });
});

describe('nextLink', () => {
  it('finds rel="next" among the links, and null without one', () => {
    const self = '<https://acme.okta.com/api/v1/users?limit=200>; rel="self"';
    const next = '<https://acme.okta.com/api/v1/users?after=00u1&limit=200>; rel="next"';
    expect(nextLink(`${self}, ${next}`)).toBe('https://acme.okta.com/api/v1/users?after=00u1&limit=200');
    expect(nextLink(self)).toBeNull();
    expect(nextLink(undefined)).toBeNull();
  });
});

describe('okta secrets', () => {
  it('the hook secret matches only itself', () => {
    expect(sameSecret('s3cret', 's3cret')).toBe(true);
    expect(sameSecret('s3cre', 's3cret')).toBe(false);
    expect(sameSecret(undefined, 's3cret')).toBe(false);
  });

  it('a SCIM token names its connector and matches only its signing secret', () => {
    const id = '5b0b7f3e-8e7a-4a57-9d2a-0f6c1f0c9a11';
    const token = scimToken(id, 'secret-a');
    const parsed = parseScimToken(token)!;
    expect(parsed.connectorId).toBe(id);
    expect(scimMacMatches(parsed.mac, 'secret-a')).toBe(true);
    expect(scimMacMatches(parsed.mac, 'secret-b')).toBe(false);
    expect(parseScimToken(`${token}x`)).toBeUndefined();
  });
});
