// @groupshare/testkit/peers: peers played by the test on the real wire (RawPeer, ScriptedPeer).
// Needs @groupshare/engine (wire codec), @groupshare/protocol and @groupshare/tracker/testing.
export * from '../raw-peer.js';
export * from '../scripted-peer.js';
