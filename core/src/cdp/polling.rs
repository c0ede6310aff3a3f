//! The two ways a Payment Sessions call follows the API over several requests: waiting for
//! an asynchronous action (capture, void, refund) to settle, and walking a list page by page.
//! Written once here, so every action waits and every list pages the same way.

use std::future::Future;

use futures_util::stream::{self, Stream};

use super::requests::WaitOptions;
use super::types::{Capture, CapturePage, PaymentSession, PaymentSessionPage, Refund, RefundPage, Void, VoidPage};
use crate::error::{Error, ErrorKind, LastSeen, Result};

/// An action that is created `pending` and later settles.
pub(crate) trait Action: Sized {
    /// What it is called in messages (`"capture"`).
    const NAME: &'static str;
    /// Whether it has settled (succeeded or failed).
    fn is_settled(&self) -> bool;
    /// Its status as the API spelled it.
    fn status_text(&self) -> String;
    /// It, as the last state a timed-out wait carries.
    fn into_last_seen(self) -> LastSeen;
}

macro_rules! action {
    ($ty:ident, $name:literal) => {
        impl Action for $ty {
            const NAME: &'static str = $name;
            fn is_settled(&self) -> bool {
                self.status.is_settled()
            }
            fn status_text(&self) -> String {
                self.status.to_string()
            }
            fn into_last_seen(self) -> LastSeen {
                LastSeen::$ty(Box::new(self))
            }
        }
    };
}

action!(Capture, "capture");
action!(Void, "void");
action!(Refund, "refund");

/// Polls `fetch`, with growing pauses, until the action it returns has settled.
///
/// A failed action is returned as a value, not as an error. Transient errors while polling
/// are retried until the deadline; at the deadline the error is `timeout` and carries the
/// last state seen.
pub(crate) async fn wait_until_settled<T, F, Fut>(id: &str, options: WaitOptions, fetch: F) -> Result<T>
where
    T: Action,
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let (timeout, first_interval, max_interval) = options.resolve()?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut interval = first_interval;
    let mut last_seen: Option<T> = None;
    loop {
        match tokio::time::timeout_at(deadline, fetch()).await {
            Ok(Ok(action)) if action.is_settled() => return Ok(action),
            Ok(Ok(action)) => last_seen = Some(action),
            Ok(Err(error)) if !error.is_retryable() => return Err(error),
            Ok(Err(error)) => tracing::debug!(code = error.code(), "poll failed; polling on"),
            Err(_elapsed) => {}
        }
        if tokio::time::Instant::now() + interval >= deadline {
            let status = last_seen.as_ref().map(Action::status_text).unwrap_or_else(|| "unknown".into());
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("{} {id} did not settle within {timeout:?} (last status: {status})", T::NAME),
            )
            .with_last_seen(last_seen.map(Action::into_last_seen)));
        }
        tokio::time::sleep(interval).await;
        interval = interval.mul_f64(1.5).min(max_interval);
    }
}

/// One page of a list: its items and the token of the next page.
pub(crate) trait Page {
    /// What the list holds.
    type Item;
    /// The items, and the next page's token (`None` or empty on the last page).
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

macro_rules! page {
    ($page:ty, $item:ty, $items:ident) => {
        impl Page for $page {
            type Item = $item;
            fn into_parts(self) -> (Vec<$item>, Option<String>) {
                (self.$items, self.next_page_token)
            }
        }
    };
}

page!(CapturePage, Capture, captures);
page!(VoidPage, Void, voids);
page!(RefundPage, Refund, refunds);
page!(PaymentSessionPage, PaymentSession, payment_sessions);

/// Every item of a list, from the page of `first_token` (or the first) to the last, as a
/// stream that calls `fetch(token)` for each page when iteration reaches it. A page that
/// names itself as the next one ends the stream with a `decode` error instead of a loop.
pub(crate) fn every_item<P, F, Fut>(
    first_token: Option<String>,
    fetch: F,
) -> impl Stream<Item = Result<P::Item>> + Send + 'static
where
    P: Page + Send + 'static,
    P::Item: Send + 'static,
    F: Fn(Option<String>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<P>> + Send + 'static,
{
    let fetch = std::sync::Arc::new(fetch);
    let pages = stream::try_unfold(Some(first_token), move |state| {
        let fetch = fetch.clone();
        async move {
            let Some(token) = state else { return Ok(None) };
            let (items, next) = fetch(token.clone()).await?.into_parts();
            let next = match next.filter(|t| !t.is_empty()) {
                Some(next) if Some(&next) == token.as_ref() => {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        "the API returned the same nextPageToken twice; stopping to avoid a loop",
                    ))
                }
                Some(next) => Some(Some(next)),
                None => None,
            };
            Ok(Some((stream::iter(items.into_iter().map(Ok)), next)))
        }
    });
    futures_util::TryStreamExt::try_flatten(pages)
}
