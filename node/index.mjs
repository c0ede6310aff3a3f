// ESM entry: the same module as `require('capturekit-sdk')`.
export * from './index.js'
export { default } from './index.js'
