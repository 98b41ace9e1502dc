export * from './data-source-options';
export * from './transient-database-error';
