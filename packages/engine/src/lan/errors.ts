/** Errors of LAN discovery, with stable codes (the shell maps them to sentences). */

/** The interface asked for with `--lan-interface` does not exist or has no address to announce from. */
export class LanInterfaceError extends Error {
  readonly code = 'ERR_LAN_INTERFACE';
  override readonly name = 'LanInterfaceError';
}

/** The announce socket could not be opened (the port is taken without address reuse, no permission). */
export class LanSocketError extends Error {
  readonly code = 'ERR_LAN_SOCKET';
  override readonly name = 'LanSocketError';
}
