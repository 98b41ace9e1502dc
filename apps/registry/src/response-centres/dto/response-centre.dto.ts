import { ApiProperty, PartialType } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { TimestampsDto } from '../../common/timestamps.dto';

export class CreateResponseCentreDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Vest-Viken legevaktsentral, trygghetsalarm' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class UpdateResponseCentreDto extends PartialType(CreateResponseCentreDto) {}

export class ResponseCentreDto extends TimestampsDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
}
