import { DomainError } from '@welfare/platform';
import type { Dispatch } from './dispatch.entity';

/** The team is not one the registry has told the centre of (or it was deleted): 422. */
export function teamUnknown(homeCareTeamId: string): DomainError {
  return new DomainError(
    'invalid',
    'home_care_team_unknown',
    `no home-care team ${homeCareTeamId} in the registry's published teams`,
    { homeCareTeamId },
  );
}

/** A dispatch goes to a team of the alarm's own municipality: 422. */
export function teamOfAnotherMunicipality(
  homeCareTeamId: string,
  teamMunicipalityId: string,
  alarmMunicipalityId: string,
): DomainError {
  return new DomainError(
    'invalid',
    'home_care_team_wrong_municipality',
    "the team does not serve the alarm's municipality: pick one of the alarm's homeCareTeams",
    {
      homeCareTeamId,
      teamMunicipalityId,
      alarmMunicipalityId,
    },
  );
}

/** The device was unknown to the registry when the alarm opened, so no team can be chosen for it: 422. */
export function alarmWithoutMunicipality(alarmId: string): DomainError {
  return new DomainError(
    'invalid',
    'alarm_without_municipality',
    'the alarm has no municipality (the registry did not know the device), so there is no home-care team to send',
    { alarmId },
  );
}

/** One active dispatch per alarm: 409, naming it. */
export function dispatchAlreadyActive(active: Dispatch): DomainError {
  return new DomainError(
    'conflict',
    'dispatch_already_active',
    `a dispatch to ${active.homeCareTeamName} is ${active.status}: withdraw it before dispatching again`,
    {
      alarmId: active.alarmId,
      dispatchId: active.id,
      dispatchStatus: active.status,
      homeCareTeamId: active.homeCareTeamId,
    },
  );
}

export function dispatchNotFound(alarmId: string, dispatchId: string): DomainError {
  return new DomainError('not_found', 'dispatch_not_found', `no dispatch ${dispatchId} on alarm ${alarmId}`, {
    alarmId,
    dispatchId,
  });
}

/** Only a dispatch a team may still be acting on can be withdrawn: 409. */
export function dispatchNotActive(dispatch: Dispatch): DomainError {
  return new DomainError(
    'conflict',
    'dispatch_not_active',
    `the dispatch is already ${dispatch.status}; there is nothing to withdraw`,
    {
      alarmId: dispatch.alarmId,
      dispatchId: dispatch.id,
      dispatchStatus: dispatch.status,
    },
  );
}
