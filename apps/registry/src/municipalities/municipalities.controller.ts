import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CreateMunicipalityDto, ListMunicipalitiesQueryDto, MunicipalityDto, UpdateMunicipalityDto } from './dto/municipality.dto';
import { MunicipalitiesService } from './municipalities.service';

const uuid = new ParseUUIDPipe();

@ApiTags('municipalities')
@Controller('api/municipalities')
export class MunicipalitiesController {
  constructor(private readonly municipalities: MunicipalitiesService) {}

  @Get()
  @ApiOkResponse({ type: [MunicipalityDto] })
  list(@Query() query: ListMunicipalitiesQueryDto): Promise<MunicipalityDto[]> {
    return this.municipalities.list(query.responseCentreId);
  }

  @Get(':id')
  @ApiOkResponse({ type: MunicipalityDto })
  @ApiNotFoundResponse()
  get(@Param('id', uuid) id: string): Promise<MunicipalityDto> {
    return this.municipalities.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: MunicipalityDto })
  @ApiNotFoundResponse({ description: 'No such response centre' })
  @ApiConflictResponse({ description: 'A municipality with this number exists' })
  create(@Body() body: CreateMunicipalityDto): Promise<MunicipalityDto> {
    return this.municipalities.create(body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: MunicipalityDto, description: 'A new centre is published in the record of every device in the municipality' })
  @ApiNotFoundResponse()
  update(@Param('id', uuid) id: string, @Body() body: UpdateMunicipalityDto): Promise<MunicipalityDto> {
    return this.municipalities.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'Teams or residents still belong to it' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.municipalities.remove(id);
  }
}
