// @groupshare/testkit/client-process: real client shells on piped stdin. Needs the built
// @groupshare/client (the program it runs) and @groupshare/tracker/testing (waits, exits).
export * from '../client-process.js';
