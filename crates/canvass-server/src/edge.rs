//! What every request passes through before it is routed: the body limit and the security
//! headers. Plain tower services, not `axum::middleware::from_fn`: they run on every request,
//! and a `from_fn` layer boxes its future and the rest of the stack for each one.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use tower::{Layer, Service};
use tower_http::set_header::SetResponseHeaderLayer;

/// Headers every response carries: no sniffing, no framing, no referrer leaking a token in a
/// URL, and a content security policy that allows only this origin.
pub(crate) fn security_headers() -> [SetResponseHeaderLayer<HeaderValue>; 4] {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    [
        header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        header(header::REFERRER_POLICY, "no-referrer"),
        header(header::X_FRAME_OPTIONS, "DENY"),
        header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
             worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'",
        ),
    ]
}

/// Bodies above `max` bytes get 413 before any handler runs, except on the paths for which
/// `exempt` says yes: the public forms, whose handlers read up to their own, larger limit so
/// that an oversized field is refused in the reader's language with the rest of the form
/// kept, and the OGC API's POSTed filters, refused as OGC exceptions by their own limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimitLayer {
    /// Largest body accepted, in bytes.
    pub max: usize,
    /// Paths whose handlers limit their own bodies.
    pub exempt: fn(&str) -> bool,
}

impl<I> Layer<I> for BodyLimitLayer {
    type Service = BodyLimit<I>;

    fn layer(&self, inner: I) -> BodyLimit<I> {
        BodyLimit {
            inner,
            limit: *self,
        }
    }
}

/// The service of [`BodyLimitLayer`].
#[derive(Debug, Clone)]
pub(crate) struct BodyLimit<I> {
    inner: I,
    limit: BodyLimitLayer,
}

impl<I> Service<Request> for BodyLimit<I>
where
    I: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, I::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // A request without a body (most: GETs of tiles and pages) has nothing to limit.
        if request.body().is_end_stream() || (self.limit.exempt)(request.uri().path()) {
            return Either::Right(self.inner.call(request));
        }
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let max = self.limit.max;
        if declared.is_some_and(|length| length > max) {
            let refusal = (StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n");
            return Either::Left(ready(Ok(refusal.into_response())));
        }
        let limited = request.map(|body| Body::new(http_body_util::Limited::new(body, max)));
        Either::Right(self.inner.call(limited))
    }
}
