//! The app's JavaScript function as the core's token provider: it is called on the main
//! thread for each attempt's token, and the call awaits the Promise it returns. The function
//! is held weakly: an idle client never keeps the process alive (a call under way does, by
//! its own Promise).

use std::sync::Arc;

use capturekit::auth::{TokenFuture, TokenProvider};
pub use capturekit::TokenRequest;
use napi::bindgen_prelude::{Function, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;

type JsTokenProvider = ThreadsafeFunction<TokenRequest, Promise<String>, TokenRequest, Status, false, true>;

/// Calls the app's async JavaScript function for each attempt's token.
pub struct NodeTokenProvider {
    function: Arc<JsTokenProvider>,
}

impl NodeTokenProvider {
    /// A provider calling `function` (which returns a Promise of the token).
    pub fn build(function: Function<'_, TokenRequest, Promise<String>>) -> napi::Result<Arc<dyn TokenProvider>> {
        let tsfn: JsTokenProvider =
            function.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
        Ok(Arc::new(NodeTokenProvider { function: Arc::new(tsfn) }))
    }
}

impl TokenProvider for NodeTokenProvider {
    fn token(&self, request: TokenRequest) -> TokenFuture<'_> {
        let function = self.function.clone();
        Box::pin(async move {
            // call_async_catch: a provider that throws rejects the call; it never aborts node.
            let promise = function.call_async_catch(request).await.map_err(|e| e.reason.clone())?;
            promise.await.map_err(|e| e.reason.clone())
        })
    }
}
