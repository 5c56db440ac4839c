export { LanDiscovery, type ServedFile, type LanCredentials, type LanDiscoveryInit, type LanDiscoveryEvents, type LanStats } from './lan-discovery.js';
export { LanTransport, LAN_DEFAULTS, type LanTransportOptions } from './lan-transport.js';
export { LanInterfaceError, LanSocketError } from './errors.js';
export { newMemberKey, type MemberKeyPair } from './member-key.js';
export { sealAnnounce, openAnnounce, groupSecret, MAX_ANNOUNCE_BYTES, type AnnouncedFile, type GroupSecret, type GroupAnnounce, type OpenedSection } from './announce-packet.js';
export { ReplayGuard } from './replay-guard.js';
export type { LanCatalogFile, LanPeer } from './peer-table.js';
export { AnnounceReceiver, type ReceiveVerdict } from './announce-receiver.js';
export { LanSession, type LanOptions, type LanRequester } from './lan-session.js';
