'use strict'
// The capturekit Node contender: `node capturekit_node.js node <workload> <config>`.
const STARTED = process.hrtime.bigint() // workload 4 measures from here: require, then a client

const path = require('node:path')

function main() {
  const capturekit = require(path.join(__dirname, '..', '..', 'node'))
  const loops = require('./_loops.js')
  const cfg = loops.config()
  const workload = process.argv[3]
  const client = () => new capturekit.Client({ keyFile: cfg.keyFile }, { baseUrl: cfg.baseUrl })
  if (workload === 'cold') {
    client()
    return loops.emit({ importAndClientMs: Number(process.hrtime.bigint() - STARTED) / 1e6, peakRssMb: loops.peakRssMb() })
  }
  loops.run(async () => {
    if (workload === 'jwt') {
      const { method, host, path: requestPath } = loops.REQUEST
      // A back end keeps one signer per key (the key parsed once), as the README shows.
      const signers = new Map()
      const sign = (key) => {
        if (!signers.has(key.id)) signers.set(key.id, new capturekit.JwtSigner({ apiKeyId: key.id, apiKeySecret: key.secret }))
        return signers.get(key.id).sign({ requestMethod: method, requestHost: host, requestPath })
      }
      return loops.jwt(sign, cfg)
    }
    const sessions = client().paymentSessions
    const pair = async (session) => {
      const capture = await sessions.capture(session, { amount: '0.01', finalCapture: false })
      await sessions.getCapture(session, capture.captureId)
    }
    return workload === 'sequential' ? loops.sequential(pair, cfg) : loops.concurrent(pair, cfg)
  })
}

main()
