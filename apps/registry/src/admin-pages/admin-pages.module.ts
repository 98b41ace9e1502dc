import { Module } from '@nestjs/common';
import { AdminPagesController } from './admin-pages.controller';

/** The municipality administrators' pages at /admin (static files; sign-in at /auth). */
@Module({ controllers: [AdminPagesController] })
export class AdminPagesModule {}
