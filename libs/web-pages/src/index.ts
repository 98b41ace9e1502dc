export * from './shared-page-files';
