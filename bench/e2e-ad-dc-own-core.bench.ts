/**
 * (a) as deployed: bench/e2e-ad.bench.ts with the Samba DC on a core of its own and the cloud, the agent and the load
 * generator on the other (bench/pin-cores.ts). The plain e2e-ad run shares both cores between all of them, which
 * charges the cloud's and the agent's CPU to the DC; this one measures the case where the DC is its own machine.
 */
process.env.OPENPTA_BENCH_DC_OWN_CORE = '1';
await import('./e2e-ad.bench.ts');
