//! Where a header or a query parameter is parsed: the connector query (`params`), the
//! simulation trigger (`trigger`) and delay (`delay`), the language (`lang`) and the
//! bearer token (`auth`). Raw text comes in, typed values or a located `ApiError`
//! go out; nothing here knows HTTP types or the state.

pub mod auth;
pub mod delay;
pub mod lang;
pub mod params;
pub mod trigger;
