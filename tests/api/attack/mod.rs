//! Requests an attacker (or an odd browser) might send: each gets a clear answer, never a 500,
//! a silent loss or a response without its security headers.

pub mod headers;
pub mod input;
