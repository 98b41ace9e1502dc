import { ForbiddenException } from '@nestjs/common';
import { Actor } from '@welfare/access';

/**
 * What a home-care nurse may see and touch: the dispatches of the team in their token
 * (home_care_team_id). Every query of the dispatch repositories takes it as a where-condition,
 * so another team's dispatch is simply not found (404), whatever the request names.
 */
export interface TeamScope {
  homeCareTeamId: string;
}

export function teamScopeOf(actor: Actor): TeamScope {
  if (!actor.homeCareTeamId) throw new ForbiddenException('this needs a token scoped to a home-care team');
  return { homeCareTeamId: actor.homeCareTeamId };
}
