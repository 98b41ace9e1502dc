import { ForbiddenException } from '@nestjs/common';
import { Actor } from '@welfare/access';

/**
 * What an operator or supervisor may see: the alarms and devices of their own response centre,
 * and those the registry has not placed yet. An unplaced alarm (its device not in the local
 * registry view) is shown to every centre rather than to none: hiding an alarm is the worse
 * failure, and it carries no resident data.
 */
export interface CentreScope {
  responseCentreId: string;
}

export function centreScopeOf(actor: Actor): CentreScope {
  if (!actor.responseCentreId) throw new ForbiddenException('this needs a token scoped to a response centre');
  return { responseCentreId: actor.responseCentreId };
}

/** SQL condition on a table's response_centre_id column (alias.response_centre_id), with its parameter. */
export function centreCondition(scope: CentreScope, column: string): [string, { scopeCentreId: string }] {
  return [`(${column} = :scopeCentreId OR ${column} IS NULL)`, { scopeCentreId: scope.responseCentreId }];
}
