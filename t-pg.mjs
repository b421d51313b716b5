const c0 = process.cpuUsage();
const t0 = performance.now();
const pg = (await import('./dist/chunks/esm-VWK67DOP.js')).default ?? (await import('./dist/chunks/esm-VWK67DOP.js'));
const mod = pg.default ?? pg;
const t1 = performance.now();
const pool = new mod.Pool({host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc', database: 'target'});
await pool.query('SELECT 1');
const t2 = performance.now();
await pool.query('SELECT 1');
const t3 = performance.now();
await pool.end();
const t4 = performance.now();
const c = process.cpuUsage(c0);
console.log(
  'import',
  (t1 - t0).toFixed(1),
  'connect+q',
  (t2 - t1).toFixed(1),
  'q',
  (t3 - t2).toFixed(1),
  'end',
  (t4 - t3).toFixed(1),
  'cpu',
  ((c.user + c.system) / 1000).toFixed(1),
);
