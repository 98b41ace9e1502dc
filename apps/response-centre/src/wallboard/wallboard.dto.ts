import { ApiProperty } from '@nestjs/swagger';

export class WallboardDto {
  @ApiProperty({ description: 'When the figures were read' })
  at: string;

  @ApiProperty({
    description: 'Today in Norwegian time: alarms, answered, within60s { count, of, percent }, escalations',
  })
  today: object;

  @ApiProperty({ description: "Alarms nobody has taken: open, byPriority { '1', '2', '3' }, oldestOpenSince" })
  queue: object;

  @ApiProperty({ description: 'Dispatches home care may still be acting on (requested, accepted, en route, arrived)' })
  dispatchesUnderWay: number;

  @ApiProperty({ description: "Devices of the centre's residents silent now" })
  devicesSilent: number;
}
