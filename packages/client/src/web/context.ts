/** What every route of the web API works with: one per web server. */
import type { PeerService } from '../service/peer-service.js';
import type { ApiTokens, WebSessions } from './auth.js';
import type { Roots } from './roots.js';
import type { DownloadIds } from './views.js';

export interface WebContext {
  service: PeerService;
  roots: Roots;
  sessions: WebSessions;
  tokens: ApiTokens;
  ids: DownloadIds;
  /** `gs_<web port>`. */
  cookieName: string;
  /** Served over TLS: the cookie is Secure. */
  secure: boolean;
  /** This peer's address for other peers. */
  peerAddress: string;
  /** The largest browser upload taken (`--web-max-upload`), in bytes. */
  maxUploadBytes: number;
  /** The web server's port. */
  port: () => number;
}
