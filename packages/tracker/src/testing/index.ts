/**
 * @groupshare/tracker/testing: what tests and benchmarks of every package use to run and talk to
 * real trackers (the one process launcher and the one bare client). A separate entry point: the
 * tracker's own program and library (`main.js`, `index.js`) never import it.
 */
export { logIn, passwordOf, signUp } from './accounts.js';
export { freePort } from './net.js';
export { ProcessCluster, TEST_CLUSTER_SECRET, type DigestReply, type ProcessClusterInit } from './process-cluster.js';
export {
  describeExit,
  spawnTracker,
  trackerMainJs,
  TrackerProcess,
  type Exit,
  type OutputMode,
  type SpawnFunction,
  type StdinMode,
  type TrackerSpawnOptions,
} from './tracker-process.js';
export { eventually, nextWake, sleep, wakeAll, within } from './wait.js';
export { ConnectionClosedError, RequestFailedError, WsClient, type FieldsArg, type Outcome, type RequestFields, type WsClientOptions } from './ws-client.js';
