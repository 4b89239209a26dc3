//! HTTP plumbing shared by every API function: body and query parsing,
//! JSON responses, authentication and the request/response wrapper.

pub mod auth;
pub mod jwt;
pub mod partner;
pub mod request;
pub mod response;
pub mod serve;

pub use lambda_http::{Body, Request, Response};
