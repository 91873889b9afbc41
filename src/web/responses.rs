//! The answers every route builds on: the body type, a whole body with its content type, a
//! short text, a body encoded while it is sent, and a request's header as text.

use std::fmt;

use http_body_util::{Either, Full, StreamBody};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, HeaderValue, VARY};
use hyper::{Method, Request, Response, StatusCode};

use log::debug;

use super::negotiation::accepts_gzip;
use super::streamed::{Chunks, streamed};

/// A whole body, or one sent while it is encoded (`/metrics`).
pub(super) type Body = Either<Full<Bytes>, StreamBody<Chunks>>;

/// The header `name` of `request`, when it is text.
pub(super) fn header<'a>(request: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A 200 of `content_type` whose body `encode` writes while it is sent, gzip-compressed when
/// `request` accepts it (`Vary: Accept-Encoding`); for HEAD the same headers, no body.
pub(super) fn encoded<E>(
    request: &Request<Incoming>,
    content_type: &'static str,
    encode: E,
) -> Response<Body>
where
    E: FnOnce(&mut dyn fmt::Write) -> fmt::Result + Send + 'static,
{
    let gzip = accepts_gzip(header(request, ACCEPT_ENCODING.as_str()));
    debug!(
        "{} for {}: {content_type}, gzip {gzip}",
        request.uri().path(),
        header(request, "user-agent").unwrap_or("a client without User-Agent")
    );
    let mut response = Response::new(if request.method() == Method::HEAD {
        Either::Left(Full::new(Bytes::new()))
    } else {
        Either::Right(StreamBody::new(streamed(encode, gzip)))
    });
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    if gzip {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

pub(super) fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    respond(status, "text/plain; charset=utf-8", text)
}

pub(super) fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Either::Left(Full::new(body.into())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
