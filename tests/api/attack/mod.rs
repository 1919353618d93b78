//! Attacks on the real server, as a hands-on attacker would try them: parallel requests, huge
//! or odd input, requests that cost the server far more than the client, and writes without a
//! signed-in staff member. One file per class of attack; each `TESTS` runs on both backends.

pub mod search;
pub mod writes;
