import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { TimestampsDto } from '../../common/timestamps.dto';

export class CreateHomeCareTeamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  municipalityId: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Hjemmetjenesten Strømsø' })
  @IsString()
  @Length(1, 200)
  name: string;
}

/** A team stays in its municipality (residents' teams must match their municipality). */
export class UpdateHomeCareTeamDto extends PickType(CreateHomeCareTeamDto, ['name'] as const) {}

export class ListHomeCareTeamsQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  municipalityId?: string;
}

export class HomeCareTeamDto extends TimestampsDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) municipalityId: string;
  @ApiProperty() name: string;
}
