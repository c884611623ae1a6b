//! The HTTP edge: the only folder that speaks actix-web (with `startup` and `main`).
//! Requests come in through the envelope (`context`), are answered by the handlers (`api`,
//! `admin`, `fallback`), and leave through `transport` (faults) or `reply` (the standard
//! error body); `limits` refuses oversized heads before any of that, and `socket` reaches
//! the raw connection. Everything here converts; nothing here decides.

pub mod admin;
pub mod api;
pub mod context;
pub mod fallback;
pub mod forward;
pub mod limits;
pub mod reply;
pub mod socket;
pub mod transport;
