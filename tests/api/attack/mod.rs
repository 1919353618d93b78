//! Attacks on the real server, as a hands-on attacker would try them: parallel requests, huge
//! or odd input, requests that cost the server far more than the client, and writes without a
//! signed-in staff member. Each gets a clear answer, never a 500, a silent loss or a response
//! without its security headers. One file per class of attack; each `TESTS` runs on both
//! backends.

pub mod costs;
pub mod headers;
pub mod input;
pub mod rate;
pub mod search;
pub mod sign_in;
pub mod writes;
