// ESM entry: the same module as `require('capturekit')`.
export * from './index.js'
export { default } from './index.js'
