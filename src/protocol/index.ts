export * from './codes.js';
export * from './messages.js';
export * from './parse.js';
export * from './topics.js';
export * from './entities.js';
export * from './job-parameters.js';
export * from './inbox.js';
export * from './presence.js';
