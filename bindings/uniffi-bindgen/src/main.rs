//! Generates the Kotlin and Swift sources from the built library:
//! `uniffi-bindgen generate --library target/debug/libcapturekit_ffi.so --language kotlin --out-dir …`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
