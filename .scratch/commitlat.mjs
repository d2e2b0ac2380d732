import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
const f = process.argv[2]; const auto = process.argv[3] ?? '1000';
rmSync(f, { force: true }); rmSync(f + '-wal', { force: true }); rmSync(f + '-shm', { force: true });
const db = new Database(f);
db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL'); db.pragma(`wal_autocheckpoint = ${auto}`);
db.exec('create table r (id integer primary key, body blob)');
const ins = db.prepare('insert into r (body) values (?)');
const tx = db.transaction((n) => { for (let i = 0; i < n; i++) ins.run(Buffer.alloc(400, i)); });
const lat = [];
for (let i = 0; i < 1500; i++) { const t = performance.now(); tx(50); lat.push(performance.now() - t); }
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.floor(lat.length * p)].toFixed(2);
console.log(`autocheckpoint=${auto}: p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${lat.at(-1).toFixed(2)} ms`);
