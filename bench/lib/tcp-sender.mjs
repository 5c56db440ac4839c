// Child process for the loopback TCP limit (bench/limits.mjs): listens on 127.0.0.1 port 0,
// prints the port, and sends `bytes` bytes to the first connection as fast as TCP takes them.
//
//   node bench/lib/tcp-sender.mjs <bytes>
//
// A separate process, as a seeder is: two processes on two cores is the situation a transfer is
// in, not one event loop talking to itself.
import { randomFillSync } from 'node:crypto';
import net from 'node:net';

const total = Number(process.argv[2]);
// 4 MiB writes: big enough that per-write cost vanishes; random so nothing can compress it.
const block = randomFillSync(Buffer.allocUnsafe(4 * 2 ** 20));

const server = net.createServer({ noDelay: true }, (socket) => {
  server.close(); // one receiver only
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(block.length, total - sent);
      sent += n;
      if (!socket.write(n === block.length ? block : block.subarray(0, n))) return void socket.once('drain', pump);
    }
    socket.end();
  };
  socket.on('error', () => process.exit(1));
  pump();
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
// The parent closing our stdin (or dying) ends us: never outlive the benchmark.
process.stdin.resume().on('end', () => process.exit(0));
