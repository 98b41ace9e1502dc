import type { Dispatch } from './dispatch.entity';
import type { DispatchDto, DispatchSummaryDto } from './dto/dispatch.dto';

export function toDispatchSummary(dispatch: Dispatch): DispatchSummaryDto {
  return {
    id: dispatch.id,
    homeCareTeamId: dispatch.homeCareTeamId,
    homeCareTeamName: dispatch.homeCareTeamName,
    status: dispatch.status,
    requestedAt: dispatch.requestedAt.toISOString(),
    acceptBy: dispatch.acceptBy.toISOString(),
    acceptedBy: dispatch.acceptedById ? { id: dispatch.acceptedById, name: dispatch.acceptedByName } : null,
    acceptedAt: dispatch.acceptedAt?.toISOString() ?? null,
  };
}

export function toDispatchDto(dispatch: Dispatch): DispatchDto {
  return {
    ...toDispatchSummary(dispatch),
    instructions: dispatch.instructions,
    requestedBy: dispatch.requestedBy,
    withdrawnBy: dispatch.withdrawnBy,
    withdrawnAt: dispatch.withdrawnAt?.toISOString() ?? null,
    withdrawReason: dispatch.withdrawReason,
    updatedAt: dispatch.updatedAt.toISOString(),
  };
}
