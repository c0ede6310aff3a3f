'use strict'
// The official Node SDK (`@coinbase/cdp-sdk`) contender: `node cdp_sdk_node.js node <workload> <config>`.
//
// Its Payment Sessions functions are generated OpenAPI functions that its package `exports`
// does not list, so they are loaded by file path; `new CdpClient()` configures the HTTP
// client they share (base path, a fresh JWT per request). The idempotency key is passed
// as capturekit sends one.
const STARTED = process.hrtime.bigint() // workload 4 measures from here: require, then a client

const path = require('node:path')
const { createRequire } = require('node:module')

// The SDK reports usage and errors to Coinbase unless told not to; the bench talks only to
// the local emulator.
process.env.DISABLE_CDP_USAGE_TRACKING = 'true'
process.env.DISABLE_CDP_ERROR_REPORTING = 'true'

const PEER_FOLDER = path.join(__dirname, '..', 'peers', 'node')

function main() {
  const peerRequire = createRequire(path.join(PEER_FOLDER, 'package.json'))
  const { CdpClient } = peerRequire('@coinbase/cdp-sdk')
  const sdkFolder = path.join(PEER_FOLDER, 'node_modules', '@coinbase', 'cdp-sdk')
  const paymentSessions = require(path.join(sdkFolder, '_cjs/openapi-client/generated/payment-sessions/payment-sessions.js'))
  const crypto = require('node:crypto')
  const loops = require('./_loops.js')
  const cfg = loops.config()
  const key = JSON.parse(require('node:fs').readFileSync(cfg.keyFile, 'utf8'))
  const workload = process.argv[3]
  const client = () => new CdpClient({ apiKeyId: key.id, apiKeySecret: key.privateKey, basePath: cfg.baseUrl })
  if (workload === 'cold') {
    client()
    return loops.emit({ importAndClientMs: Number(process.hrtime.bigint() - STARTED) / 1e6, peakRssMb: loops.peakRssMb() })
  }
  loops.run(async () => {
    if (workload === 'jwt') {
      const { generateJwt } = peerRequire('@coinbase/cdp-sdk/auth')
      const { method, host, path: requestPath } = loops.REQUEST
      const sign = (k) => generateJwt({
        apiKeyId: k.id, apiKeySecret: k.secret, requestMethod: method, requestHost: host, requestPath, expiresIn: 120,
      })
      return loops.jwt(sign, cfg)
    }
    client()
    const pair = async (session) => {
      const capture = await paymentSessions.capturePaymentSession(
        session, { amount: '0.01', finalCapture: false }, crypto.randomUUID())
      await paymentSessions.getPaymentSessionCapture(session, capture.captureId)
    }
    return workload === 'sequential' ? loops.sequential(pair, cfg) : loops.concurrent(pair, cfg)
  })
}

main()
