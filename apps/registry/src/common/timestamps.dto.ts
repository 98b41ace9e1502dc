import { ApiProperty } from '@nestjs/swagger';

/** Fields every registry answer carries. */
export class TimestampsDto {
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}
