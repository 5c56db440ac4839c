-- CreateTable
CREATE TABLE "GroupKeyEpoch" (
    "groupId" TEXT NOT NULL PRIMARY KEY,
    "epoch" INTEGER NOT NULL
);
