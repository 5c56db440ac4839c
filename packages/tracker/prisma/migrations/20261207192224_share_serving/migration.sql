-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Share" (
    "groupId" TEXT NOT NULL,
    "infoHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "peerAddress" TEXT NOT NULL,
    "bitfield" BLOB NOT NULL,
    "complete" BOOLEAN NOT NULL,
    "serving" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("groupId", "infoHash", "userId"),
    CONSTRAINT "Share_groupId_infoHash_fkey" FOREIGN KEY ("groupId", "infoHash") REFERENCES "SharedFile" ("groupId", "infoHash") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Share_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Share" ("bitfield", "complete", "groupId", "infoHash", "peerAddress", "updatedAt", "userId") SELECT "bitfield", "complete", "groupId", "infoHash", "peerAddress", "updatedAt", "userId" FROM "Share";
DROP TABLE "Share";
ALTER TABLE "new_Share" RENAME TO "Share";
CREATE INDEX "Share_userId_idx" ON "Share"("userId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
