'use strict'
// The timing loops every Node contender shares, so that each contender file holds only what
// is its own: how it builds a client and how it makes one create-then-get pair. Loaded only
// after a contender's cold-start clock has started; Node built-ins only.
const fs = require('node:fs')

/** The config file bench/run.py wrote (its path is the last argument). */
const config = () => JSON.parse(fs.readFileSync(process.argv[process.argv.length - 1], 'utf8'))

/**
 * This process's peak resident memory (VmHWM). Not resourceUsage().maxRSS: Linux carries
 * that over from the parent across exec, so it never reads lower than the parent's.
 */
function peakRssMb() {
  const line = fs.readFileSync('/proc/self/status', 'ascii').split('\n').find((l) => l.startsWith('VmHWM:'))
  return Number(line.split(/\s+/)[1]) / 1024
}

/** The one line bench/run.py reads. */
const emit = (result) => process.stdout.write(JSON.stringify(result) + '\n')

const nowUs = () => Number(process.hrtime.bigint()) / 1e3
/** CPU time (user and system) of this process so far, in microseconds. */
const cpuUs = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** Workload 1: each pair awaited before the next; every pair's latency in microseconds. */
async function sequential(pair, cfg) {
  const session = cfg.sessions[0]
  for (let i = 0; i < cfg.warmup; i++) await pair(session)
  const latenciesUs = []
  const cpu = cpuUs()
  for (let i = 0; i < cfg.pairs; i++) {
    const start = nowUs()
    await pair(session)
    latenciesUs.push(nowUs() - start)
  }
  return { latenciesUs, cpuUs: cpuUs() - cpu }
}

/**
 * Workload 2: `concurrency` workers make pairs until `seconds` have passed (a pair under way
 * then is finished and counted); the pairs made and the wall time they took.
 */
async function concurrent(pair, cfg) {
  const session = cfg.sessions[0]
  const run = async (seconds) => {
    const deadline = nowUs() + seconds * 1e6
    let made = 0
    const worker = async () => {
      while (nowUs() < deadline) {
        await pair(session)
        made++
      }
    }
    await Promise.all(Array.from({ length: cfg.concurrency }, worker))
    return made
  }
  await run(cfg.warmupSeconds)
  const start = nowUs()
  const cpu = cpuUs()
  const pairs = await run(cfg.seconds)
  return { pairs, seconds: (nowUs() - start) / 1e6, cpuUs: cpuUs() - cpu }
}

/**
 * Workload 3: microseconds per token through the SDK's public signer, per algorithm: the
 * fastest of five batches (the least disturbed by others on a shared machine).
 */
async function jwt(sign, cfg) {
  const result = {}
  const batch = Math.max(1, Math.floor(cfg.jwtTokens / 5))
  for (const key of cfg.jwtKeys) {
    for (let i = 0; i < Math.floor(cfg.jwtTokens / 10) + 1; i++) await sign(key)
    let fastest = Infinity
    for (let b = 0; b < 5; b++) {
      const start = nowUs()
      for (let i = 0; i < batch; i++) await sign(key)
      fastest = Math.min(fastest, (nowUs() - start) / batch)
    }
    result[key.alg] = fastest
  }
  return result
}

/** The request every JWT in workload 3 is bound to. */
const REQUEST = { method: 'POST', host: 'api.cdp.coinbase.com', path: '/platform/v2/payment-sessions/x/captures' }

/** Runs `main` and exits non-zero with the reason when it fails. */
function run(main) {
  main().then(emit, (error) => {
    console.error(error)
    process.exit(1)
  })
}

module.exports = { config, emit, peakRssMb, sequential, concurrent, jwt, REQUEST, run }
