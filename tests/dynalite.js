// Starts dynalite (a local DynamoDB, in memory) on 127.0.0.1 and prints "port N" once listening.
//   node tests/dynalite.js [PORT] [--until-stdin-closes]
// With --until-stdin-closes it exits when its standard input closes, so a test process that
// started it cannot leave it behind.
const path = require('node:path');
const dynalite = require(path.join(__dirname, 'node_modules', 'dynalite'));

const port = Number(process.argv[2] || 0);
// DYNALITE_CREATE_MS keeps new tables CREATING that long (tests of waiting); default: at once.
const createTableMs = Number(process.env.DYNALITE_CREATE_MS || 0);
const server = dynalite({ createTableMs, deleteTableMs: 0, updateTableMs: 0 });
server.listen(port, '127.0.0.1', () => console.log('port ' + server.address().port));
if (process.argv.includes('--until-stdin-closes')) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
