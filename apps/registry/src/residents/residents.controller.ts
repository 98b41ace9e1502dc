import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CreateResidentDto, ListResidentsQueryDto, ResidentDto, UpdateResidentDto } from './dto/resident.dto';
import { ResidentsService } from './residents.service';

const uuid = new ParseUUIDPipe();

@ApiTags('residents')
@Controller('api/residents')
export class ResidentsController {
  constructor(private readonly residents: ResidentsService) {}

  @Get()
  @ApiOkResponse({ type: [ResidentDto] })
  list(@Query() query: ListResidentsQueryDto): Promise<ResidentDto[]> {
    return this.residents.list(query.municipalityId);
  }

  @Get(':id')
  @ApiOkResponse({ type: ResidentDto })
  @ApiNotFoundResponse()
  get(@Param('id', uuid) id: string): Promise<ResidentDto> {
    return this.residents.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: ResidentDto })
  @ApiNotFoundResponse({ description: 'No such municipality or home-care team' })
  @ApiUnprocessableEntityResponse({ description: 'The team belongs to another municipality' })
  create(@Body() body: CreateResidentDto): Promise<ResidentDto> {
    return this.residents.create(body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ResidentDto, description: 'A new municipality or team is published in the record of each of their devices' })
  @ApiNotFoundResponse()
  update(@Param('id', uuid) id: string, @Body() body: UpdateResidentDto): Promise<ResidentDto> {
    return this.residents.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'A device (also a retired one) still belongs to the resident' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.residents.remove(id);
  }
}
