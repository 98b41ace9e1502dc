import { actorFromClaims, ClaimsRefused } from './actor-claims';

const CENTRE = '6f1c2b9e-3a4d-4e5f-8a6b-7c8d9e0f1a2b';

describe('actorFromClaims', () => {
  it('builds the actor from roles and tenancy claims, ignoring roles this system does not know', () => {
    expect(
      actorFromClaims({
        sub: 'anna',
        name: 'Anna',
        roles: ['operator', 'offline_access'],
        response_centre_id: CENTRE.toUpperCase(),
      }),
    ).toEqual({
      subject: 'anna',
      name: 'Anna',
      roles: ['operator'],
      responseCentreId: CENTRE,
      municipalityId: null,
      homeCareTeamId: null,
    });
  });

  it("reads Keycloak's realm_access.roles, and names the actor by subject when there is no name", () => {
    expect(actorFromClaims({ sub: 'root', realm_access: { roles: ['system-admin'] } })).toMatchObject({
      subject: 'root',
      name: 'root',
      roles: ['system-admin'],
    });
  });

  it.each([
    ['no subject', { roles: ['system-admin'] }, /subject/],
    ['no known role', { sub: 'x', roles: ['admin'] }, /none of the roles/],
    ['roles not a list', { sub: 'x', roles: 'operator' }, /none of the roles/],
    ['a scoped role without its tenant', { sub: 'x', roles: ['operator'] }, /needs the claim response_centre_id/],
    [
      'a tenant that is not a UUID',
      { sub: 'x', roles: ['operator'], response_centre_id: 'centre-1' },
      /must be a UUID/,
    ],
    ['a tenant of the wrong type', { sub: 'x', roles: ['home-care'], home_care_team_id: 42 }, /must be a UUID/],
    [
      'one scoped role of two without its tenant',
      { sub: 'x', roles: ['operator', 'municipality-admin'], response_centre_id: CENTRE },
      /needs the claim municipality_id/,
    ],
  ])('refuses a token with %s', (_, claims, message) => {
    expect(() => actorFromClaims(claims as never)).toThrow(ClaimsRefused);
    expect(() => actorFromClaims(claims as never)).toThrow(message);
  });
});
