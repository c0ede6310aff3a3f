//! The CDP Payment Sessions calls: captures, voids, refunds and cancel on a session; getting
//! and listing sessions and their actions; waiting for an action to settle.

use futures_util::stream::Stream;
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::polling::{every_item, wait_until_settled, Page};
use super::requests::{CancelRequest, CaptureRequest, Create, PageOptions, RefundRequest, VoidRequest, WaitOptions};
use super::types::{Capture, CapturePage, PaymentSession, PaymentSessionPage, Refund, RefundPage, Void, VoidPage};
use crate::client::Client;
use crate::error::Result;
use crate::idempotency::new_idempotency_key;
use crate::transport::ApiRequest;
use crate::validate;

const V2: &str = "v2";
const PAYMENT_SESSIONS: &str = "payment-sessions";
const CAPTURES: &str = "captures";
const VOIDS: &str = "voids";
const REFUNDS: &str = "refunds";

/// A result of a create, which carries the idempotency key it was created with.
trait Keyed {
    fn set_idempotency_key(&mut self, key: String);
}

macro_rules! keyed {
    ($($ty:ty),*) => {
        $(impl Keyed for $ty {
            fn set_idempotency_key(&mut self, key: String) {
                self.idempotency_key = Some(key);
            }
        })*
    };
}

keyed!(Capture, Void, Refund, PaymentSession);

/// The Payment Sessions calls of a [`Client`]; get it with [`Client::payment_sessions`].
/// It shares the client's connection pool and is cheap to clone.
#[derive(Debug, Clone)]
pub struct PaymentSessions {
    pub(crate) client: Client,
}

impl PaymentSessions {
    /// Creates a capture on an authorized session. The capture comes back `pending`; use
    /// [`Self::wait_for_capture`] to learn how it settles.
    ///
    /// Every attempt carries the same idempotency key, which is also on the returned capture
    /// and on every error. An error of kind `outcome_unknown` means the capture may exist:
    /// call again with the same key.
    pub async fn capture(&self, payment_session_id: &str, request: CaptureRequest) -> Result<Capture> {
        self.create(payment_session_id, &request).await
    }

    /// Voids a session: releases all that is still capturable back to the payer. The void
    /// comes back `pending`; use [`Self::wait_for_void`] to learn how it settles. Refused
    /// (`action_pending`) while a capture or another void is still pending. The idempotency
    /// key is handled as for [`Self::capture`].
    pub async fn void(&self, payment_session_id: &str, request: VoidRequest) -> Result<Void> {
        self.create(payment_session_id, &request).await
    }

    /// Refunds captured funds, all that is refundable or `request.amount`, from
    /// `request.source`. Several partial refunds may follow one another up to what was
    /// captured, until the session's `refundExpiresAt`. The refund comes back `pending`; use
    /// [`Self::wait_for_refund`]. The idempotency key is handled as for [`Self::capture`].
    pub async fn refund(&self, payment_session_id: &str, request: RefundRequest) -> Result<Refund> {
        self.create(payment_session_id, &request).await
    }

    /// Cancels a session that was never authorized (only from `created`; refused with
    /// `action_pending` while an authorization is under way) and returns it, `canceled`. The
    /// idempotency key is handled as for [`Self::capture`].
    pub async fn cancel(&self, payment_session_id: &str, request: CancelRequest) -> Result<PaymentSession> {
        self.create(payment_session_id, &request).await
    }

    /// Sends a create: checks the request before any I/O, then sends it with one
    /// idempotency key (the caller's or a new one) on every attempt, on the result and on
    /// every error.
    async fn create<R: Create, T: DeserializeOwned + Keyed>(&self, payment_session_id: &str, request: &R) -> Result<T> {
        let caller_key = request.idempotency_key();
        validate::payment_session_id(payment_session_id)
            .and_then(|_| request.validate())
            .map_err(|e| e.with_idempotency_key(caller_key))?;
        let key = caller_key.map_or_else(new_idempotency_key, str::to_owned);
        let path = [V2, PAYMENT_SESSIONS, payment_session_id, R::PATH];
        let mut created: T = self
            .client
            .transport
            .send(ApiRequest::create(Method::POST, &path, request.wire_body(), Some(&key)))
            .await?;
        created.set_idempotency_key(key);
        Ok(created)
    }

    /// Fetches one capture.
    pub async fn get_capture(&self, payment_session_id: &str, capture_id: &str) -> Result<Capture> {
        validate::payment_session_id(payment_session_id)?;
        validate::capture_id(capture_id)?;
        self.get(&[V2, PAYMENT_SESSIONS, payment_session_id, CAPTURES, capture_id]).await
    }

    /// Fetches one void.
    pub async fn get_void(&self, payment_session_id: &str, void_id: &str) -> Result<Void> {
        validate::payment_session_id(payment_session_id)?;
        validate::void_id(void_id)?;
        self.get(&[V2, PAYMENT_SESSIONS, payment_session_id, VOIDS, void_id]).await
    }

    /// Fetches one refund.
    pub async fn get_refund(&self, payment_session_id: &str, refund_id: &str) -> Result<Refund> {
        validate::payment_session_id(payment_session_id)?;
        validate::refund_id(refund_id)?;
        self.get(&[V2, PAYMENT_SESSIONS, payment_session_id, REFUNDS, refund_id]).await
    }

    /// Fetches a payment session, with its balances, expiries and captures.
    pub async fn get_session(&self, payment_session_id: &str) -> Result<PaymentSession> {
        validate::payment_session_id(payment_session_id)?;
        self.get(&[V2, PAYMENT_SESSIONS, payment_session_id]).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &[&str]) -> Result<T> {
        self.client.transport.send(ApiRequest::get(path)).await
    }

    /// Fetches one page of a session's captures. `page_size` is 1 to 100 (the API's
    /// default, 20, when `None`); pass the previous page's `next_page_token` to go on.
    pub async fn list_captures(
        &self,
        payment_session_id: &str,
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<CapturePage> {
        validate::payment_session_id(payment_session_id)?;
        self.page(&[V2, PAYMENT_SESSIONS, payment_session_id, CAPTURES], page_size, page_token).await
    }

    /// Fetches one page of a session's voids (see [`Self::list_captures`] for the paging).
    pub async fn list_voids(
        &self,
        payment_session_id: &str,
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<VoidPage> {
        validate::payment_session_id(payment_session_id)?;
        self.page(&[V2, PAYMENT_SESSIONS, payment_session_id, VOIDS], page_size, page_token).await
    }

    /// Fetches one page of a session's refunds (see [`Self::list_captures`] for the paging).
    pub async fn list_refunds(
        &self,
        payment_session_id: &str,
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<RefundPage> {
        validate::payment_session_id(payment_session_id)?;
        self.page(&[V2, PAYMENT_SESSIONS, payment_session_id, REFUNDS], page_size, page_token).await
    }

    /// Fetches one page of the payment sessions the credentials can see (see
    /// [`Self::list_captures`] for the paging).
    pub async fn list_sessions(&self, page_size: Option<u32>, page_token: Option<&str>) -> Result<PaymentSessionPage> {
        self.page(&[V2, PAYMENT_SESSIONS], page_size, page_token).await
    }

    async fn page<P: DeserializeOwned>(
        &self,
        path: &[&str],
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<P> {
        let mut query = Vec::new();
        if let Some(size) = page_size {
            validate::page_size(size)?;
            query.push(("pageSize", size.to_string()));
        }
        if let Some(token) = page_token {
            validate::page_token(token)?;
            query.push(("pageToken", token.to_owned()));
        }
        self.client.transport.send(ApiRequest { query, ..ApiRequest::get(path) }).await
    }

    /// Every capture of a session, page after page (from `options.page_token`, or the
    /// first), as a stream that fetches each page when it is reached.
    pub fn captures_stream(
        &self,
        payment_session_id: &str,
        options: PageOptions,
    ) -> impl Stream<Item = Result<Capture>> + Send + 'static {
        self.session_stream(payment_session_id, options, |calls, session, size, token| async move {
            calls.list_captures(&session, size, token.as_deref()).await
        })
    }

    /// Every void of a session, as [`Self::captures_stream`] gives captures.
    pub fn voids_stream(
        &self,
        payment_session_id: &str,
        options: PageOptions,
    ) -> impl Stream<Item = Result<Void>> + Send + 'static {
        self.session_stream(payment_session_id, options, |calls, session, size, token| async move {
            calls.list_voids(&session, size, token.as_deref()).await
        })
    }

    /// Every refund of a session, as [`Self::captures_stream`] gives captures.
    pub fn refunds_stream(
        &self,
        payment_session_id: &str,
        options: PageOptions,
    ) -> impl Stream<Item = Result<Refund>> + Send + 'static {
        self.session_stream(payment_session_id, options, |calls, session, size, token| async move {
            calls.list_refunds(&session, size, token.as_deref()).await
        })
    }

    /// Every payment session the credentials can see, page after page, as a stream.
    pub fn sessions_stream(&self, options: PageOptions) -> impl Stream<Item = Result<PaymentSession>> + Send + 'static {
        let calls = self.clone();
        let page_size = options.page_size;
        every_item(options.page_token, move |token| {
            let calls = calls.clone();
            async move { calls.list_sessions(page_size, token.as_deref()).await }
        })
    }

    /// The items of one session's list, page after page: `fetch(calls, session, size, token)`
    /// fetches one page.
    fn session_stream<P, F, Fut>(
        &self,
        payment_session_id: &str,
        options: PageOptions,
        fetch: F,
    ) -> impl Stream<Item = Result<P::Item>> + Send + 'static
    where
        P: Page + Send + 'static,
        P::Item: Send + 'static,
        F: Fn(PaymentSessions, String, Option<u32>, Option<String>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<P>> + Send + 'static,
    {
        let calls = self.clone();
        let session = payment_session_id.to_owned();
        let page_size = options.page_size;
        every_item(options.page_token, move |token| fetch(calls.clone(), session.clone(), page_size, token))
    }

    /// Every capture of a session, following `nextPageToken` to the last page.
    pub async fn list_all_captures(&self, payment_session_id: &str, page_size: Option<u32>) -> Result<Vec<Capture>> {
        let options = PageOptions { page_size, page_token: None };
        futures_util::TryStreamExt::try_collect(self.captures_stream(payment_session_id, options)).await
    }

    /// Every void of a session, following `nextPageToken` to the last page.
    pub async fn list_all_voids(&self, payment_session_id: &str, page_size: Option<u32>) -> Result<Vec<Void>> {
        let options = PageOptions { page_size, page_token: None };
        futures_util::TryStreamExt::try_collect(self.voids_stream(payment_session_id, options)).await
    }

    /// Every refund of a session, following `nextPageToken` to the last page.
    pub async fn list_all_refunds(&self, payment_session_id: &str, page_size: Option<u32>) -> Result<Vec<Refund>> {
        let options = PageOptions { page_size, page_token: None };
        futures_util::TryStreamExt::try_collect(self.refunds_stream(payment_session_id, options)).await
    }

    /// Every payment session, following `nextPageToken` to the last page.
    pub async fn list_all_sessions(&self, page_size: Option<u32>) -> Result<Vec<PaymentSession>> {
        let options = PageOptions { page_size, page_token: None };
        futures_util::TryStreamExt::try_collect(self.sessions_stream(options)).await
    }

    /// Polls a capture, with growing pauses, until it is `succeeded` or `failed`.
    ///
    /// A failed capture is returned as a value (see [`Capture::error`]), not as an error.
    /// Transient errors while polling are retried until the deadline; at the deadline the
    /// error is `timeout` and [`crate::Error::last_capture`] holds the last state seen.
    pub async fn wait_for_capture(
        &self,
        payment_session_id: &str,
        capture_id: &str,
        options: WaitOptions,
    ) -> Result<Capture> {
        validate::payment_session_id(payment_session_id)?;
        validate::capture_id(capture_id)?;
        wait_until_settled(capture_id, options, || self.get_capture(payment_session_id, capture_id)).await
    }

    /// Polls a void until it settles, as [`Self::wait_for_capture`] does a capture; a
    /// timeout carries [`crate::Error::last_void`].
    pub async fn wait_for_void(&self, payment_session_id: &str, void_id: &str, options: WaitOptions) -> Result<Void> {
        validate::payment_session_id(payment_session_id)?;
        validate::void_id(void_id)?;
        wait_until_settled(void_id, options, || self.get_void(payment_session_id, void_id)).await
    }

    /// Polls a refund until it settles, as [`Self::wait_for_capture`] does a capture; a
    /// timeout carries [`crate::Error::last_refund`].
    pub async fn wait_for_refund(
        &self,
        payment_session_id: &str,
        refund_id: &str,
        options: WaitOptions,
    ) -> Result<Refund> {
        validate::payment_session_id(payment_session_id)?;
        validate::refund_id(refund_id)?;
        wait_until_settled(refund_id, options, || self.get_refund(payment_session_id, refund_id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::RefundSource;
    use rust_decimal::Decimal;

    fn client() -> Client {
        Client::builder().bearer_token("t").base_url("http://127.0.0.1:9").build().unwrap()
    }

    #[tokio::test]
    async fn invalid_input_fails_before_io_and_names_the_field() {
        let client = client();
        let ps = client.payment_sessions();
        let session = "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad";
        let cases: Vec<(CaptureRequest, &str)> = vec![
            (CaptureRequest::amount(Decimal::ZERO), "amount: must be greater than zero"),
            (CaptureRequest::amount(Decimal::new(-1, 0)), "amount: must be greater than zero"),
            (CaptureRequest::remaining().external_reference_id("x".repeat(300)), "external_reference_id:"),
            (CaptureRequest::remaining().idempotency_key("bad key"), "idempotency_key:"),
            (CaptureRequest::remaining().metadata("k".repeat(41), "v"), "metadata:"),
        ];
        for (request, prefix) in cases {
            // Port 9 (discard) is closed: reaching the network would be a `network` error.
            let err = ps.capture(session, request).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
            assert!(err.message().starts_with(prefix), "{}", err.message());
        }
        let err = ps.capture("paymentSession_../../admin", CaptureRequest::remaining()).await.unwrap_err();
        assert!(err.message().starts_with("payment_session_id:"));
        let err = ps.get_capture(session, "capture_nope").await.unwrap_err();
        assert!(err.message().starts_with("capture_id:"));
        let err = ps.list_captures(session, Some(0), None).await.unwrap_err();
        assert!(err.message().starts_with("page_size:"));
    }

    #[tokio::test]
    async fn a_callers_key_is_on_validation_errors_too() {
        let client = client();
        let err = client
            .payment_sessions()
            .capture(
                "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
                CaptureRequest::amount(Decimal::ZERO).idempotency_key("order-1-capture-1"),
            )
            .await
            .unwrap_err();
        assert_eq!(err.idempotency_key(), Some("order-1-capture-1"));
    }

    #[tokio::test]
    async fn an_invalid_key_is_neither_carried_nor_echoed_raw() {
        let client = client();
        let injected = "k\r\nX-Injected: 1";
        let err = client
            .payment_sessions()
            .capture(
                "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
                CaptureRequest::remaining().idempotency_key(injected),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert_eq!(err.idempotency_key(), None, "an invalid key is no key");
        assert!(!err.to_string().contains(['\r', '\n']), "{err}");
        assert!(!err.details().to_string().contains(['\r', '\n']), "{}", err.details());
    }

    #[tokio::test]
    async fn voids_refunds_and_cancels_are_checked_before_io_and_carry_the_callers_key() {
        let client = client();
        let ps = client.payment_sessions();
        let session = "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad";
        let account = RefundSource::from_account("account_af2937b0-9846-4fe7-bfe9-ccc22d935114", "usdc");
        let refunds: Vec<(RefundRequest, &str)> = vec![
            (RefundRequest::amount(account.clone(), Decimal::ZERO), "amount: must be greater than zero"),
            (RefundRequest::remaining(RefundSource::default()), "source: is required"),
            (
                RefundRequest::remaining(RefundSource::from_account("account_nope", "usdc")),
                "source.account_id: must match",
            ),
            (RefundRequest::remaining(RefundSource::from_address("")), "source.address: must be 1 to 128"),
            (
                RefundRequest::remaining(RefundSource { address: Some("0xab".into()), ..account.clone() }),
                "source: must be an account (account_id and asset) or an address, not both",
            ),
            (
                RefundRequest::remaining(RefundSource { asset: None, ..account.clone() }),
                "source.asset: is required with source.account_id",
            ),
            (RefundRequest::remaining(account.clone()).metadata("k".repeat(41), "v"), "metadata:"),
        ];
        for (request, prefix) in refunds {
            let err = ps.refund(session, request.idempotency_key("refund-1")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
            assert!(err.message().starts_with(prefix), "{} / {prefix}", err.message());
            assert_eq!(err.idempotency_key(), Some("refund-1"));
        }
        let err = ps.void(session, VoidRequest::default().metadata("k".repeat(41), "v")).await.unwrap_err();
        assert!(err.message().starts_with("metadata:"), "{err}");
        let err = ps.void("paymentSession_x", VoidRequest::default().idempotency_key("void-1")).await.unwrap_err();
        assert!(err.message().starts_with("payment_session_id:"), "{err}");
        assert_eq!(err.idempotency_key(), Some("void-1"));
        let err = ps.cancel(session, CancelRequest::default().idempotency_key("bad key")).await.unwrap_err();
        assert!(err.message().starts_with("idempotency_key:"), "{err}");
        let err = ps.get_void(session, "capture_82c879c1-84e1-44ed-a8c2-1ac239cf09ad").await.unwrap_err();
        assert!(err.message().starts_with("void_id:"), "{err}");
        let err = ps.get_refund(session, "void_82c879c1-84e1-44ed-a8c2-1ac239cf09ad").await.unwrap_err();
        assert!(err.message().starts_with("refund_id:"), "{err}");
        let err = ps.list_sessions(Some(101), None).await.unwrap_err();
        assert!(err.message().starts_with("page_size:"), "{err}");
        let err = ps.list_refunds(session, None, Some("")).await.unwrap_err();
        assert!(err.message().starts_with("page_token:"), "{err}");
        let options = WaitOptions::timeout(std::time::Duration::ZERO);
        let err =
            ps.wait_for_refund(session, "refund_82c879c1-84e1-44ed-a8c2-1ac239cf09ad", options).await.unwrap_err();
        assert!(err.message().starts_with("timeout:"), "{err}");
    }
}
