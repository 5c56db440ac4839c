-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "passwordHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "createdHlc" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "Session" (
    "tokenHash" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "peerAddress" TEXT,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Group" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ownerId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Membership" (
    "groupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "joinedAt" DATETIME NOT NULL,

    PRIMARY KEY ("groupId", "userId"),
    CONSTRAINT "Membership_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Membership_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "JoinRequest" (
    "groupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "requestedAt" DATETIME NOT NULL,

    PRIMARY KEY ("groupId", "userId"),
    CONSTRAINT "JoinRequest_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "JoinRequest_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SharedFile" (
    "groupId" TEXT NOT NULL,
    "infoHash" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "sha1" TEXT NOT NULL,
    "pieceLength" INTEGER NOT NULL,
    "pieces" BLOB NOT NULL,
    "sharedBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,

    PRIMARY KEY ("groupId", "infoHash"),
    CONSTRAINT "SharedFile_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Share" (
    "groupId" TEXT NOT NULL,
    "infoHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "peerAddress" TEXT NOT NULL,
    "bitfield" BLOB NOT NULL,
    "complete" BOOLEAN NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("groupId", "infoHash", "userId"),
    CONSTRAINT "Share_groupId_infoHash_fkey" FOREIGN KEY ("groupId", "infoHash") REFERENCES "SharedFile" ("groupId", "infoHash") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Share_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OpLog" (
    "idx" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "origin" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "hlc" TEXT NOT NULL,
    "op" TEXT NOT NULL,
    "appliedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Conflict" (
    "hlc" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "losingHash" TEXT,
    "at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Snapshot" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "horizon" TEXT NOT NULL,
    "vector" TEXT NOT NULL,
    "rows" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "Replica" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "origin" INTEGER NOT NULL
);

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "Membership_userId_idx" ON "Membership"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "SharedFile_groupId_name_key" ON "SharedFile"("groupId", "name");

-- CreateIndex
CREATE INDEX "Share_userId_idx" ON "Share"("userId");

-- CreateIndex
CREATE INDEX "OpLog_hlc_idx" ON "OpLog"("hlc");

-- CreateIndex
CREATE UNIQUE INDEX "OpLog_origin_seq_key" ON "OpLog"("origin", "seq");

-- CreateIndex
CREATE INDEX "Conflict_userId_idx" ON "Conflict"("userId");
