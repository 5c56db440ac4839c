/** Accounts the way the integration tests make them, over a bare WsClient. */
import type { Result } from '@groupshare/protocol';
import type { WsClient } from './ws-client.js';

/** The password every test account uses: derived from the id, at least 8 characters. */
export function passwordOf(userId: string): string {
  return `${userId}-password`;
}

/** Registers `userId` on the client's tracker and logs that connection in. */
export async function signUp(client: WsClient, userId: string, peerAddress?: string): Promise<Result<'login'>> {
  await client.ok('register', { userId, password: passwordOf(userId) });
  return logIn(client, userId, peerAddress);
}

export function logIn(client: WsClient, userId: string, peerAddress?: string): Promise<Result<'login'>> {
  return client.ok('login', peerAddress === undefined ? { userId, password: passwordOf(userId) } : { userId, password: passwordOf(userId), peerAddress });
}
