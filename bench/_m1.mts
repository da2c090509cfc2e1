import { loadModule, parseSync, scanSync, fingerprintSync, normalizeSync } from 'libpg-query';
await loadModule();
const S = (i:number) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${i};`;
function cpu(label:string, fn:(i:number)=>void, n=20000){
  for(let i=0;i<2000;i++) fn(i);
  const res:number[]=[];
  for(let r=0;r<7;r++){ const c0=process.cpuUsage(); for(let i=0;i<n;i++) fn(i+r*n); const c=process.cpuUsage(c0); res.push((c.user+c.system)/n);}
  res.sort((a,b)=>a-b); console.log(label, res[3].toFixed(2),'µs (min',res[0].toFixed(2),')');
}
let sink=0;
cpu('parseSync', i=>{ sink+= (parseSync(S(i)) as any).stmts.length });
cpu('scanSync', i=>{ sink+= scanSync(S(i)).tokens.length });
cpu('fingerprintSync', i=>{ sink+= fingerprintSync(S(i)).length });
cpu('normalizeSync', i=>{ sink+= normalizeSync(S(i)).length });
console.log(JSON.stringify(scanSync(S(5))));
