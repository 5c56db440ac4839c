/**
 * The shell's commands, in the order `help` lists them. The names and arguments of the
 * original specification are fixed; the others (reject_request, list_members, cancel_download,
 * list_shares, lan_peers, lan_files, sync_folder, list_synced,
 * unsync_folder, help, exit/quit) are additions beside them.
 */
import { createUser, login, logout } from './accounts.js';
import { cancelDownload, downloadFile, showDownloads } from './downloads.js';
import { fileInfo } from './file-info.js';
import { listFiles, stopShare, uploadFile } from './files.js';
import {
  acceptRequest,
  createGroup,
  joinGroup,
  leaveGroup,
  listGroups,
  listMembers,
  listRequests,
  rejectRequest,
} from './groups.js';
import { lanFiles } from './lan-files.js';
import { lanPeers } from './lan-peers.js';
import { listShares } from './list-shares.js';
import { exit, help } from './meta.js';
import { listSynced, syncFolder, unsyncFolder } from './sync.js';
import type { CommandSpec } from './types.js';

export const COMMANDS: readonly CommandSpec[] = [
  createUser,
  login,
  logout,
  createGroup,
  listGroups,
  joinGroup,
  leaveGroup,
  listMembers,
  listRequests,
  acceptRequest,
  rejectRequest,
  listFiles,
  fileInfo,
  uploadFile,
  downloadFile,
  showDownloads,
  cancelDownload,
  stopShare,
  listShares,
  lanPeers,
  lanFiles,
  syncFolder,
  listSynced,
  unsyncFolder,
  help,
  exit,
];

export { commandNames, findCommand, usage, type CommandContext, type CommandSpec } from './types.js';
