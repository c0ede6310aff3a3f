// ESM entry: the same module as `require('capturekit-sdk/testing')`.
export * from './testing.js'
