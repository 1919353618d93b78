//! The benchmark's ceiling: the same HTTP stack as Chronicle (actix-web, the same number of
//! workers) answering every request with the bytes of one saved page from memory. Nothing a
//! real page can do is faster on this machine, so `bench/run` reports Chronicle's figures as
//! a share of this server's.
//!
//! `cargo run --release --example static_ceiling -- FILE ADDR [WORKERS]`

use actix_web::{App, HttpResponse, HttpServer, web};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = || std::io::Error::other("usage: static_ceiling FILE ADDR [WORKERS]");
    let file = args.next().ok_or_else(usage)?;
    let addr = args.next().ok_or_else(usage)?;
    let workers: Option<usize> = args.next().and_then(|w| w.parse().ok());
    let body = web::Bytes::from(std::fs::read(&file)?);
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || {
            let body = body.clone();
            App::new().default_service(web::to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(body)
                }
            }))
        })
        .bind(&addr)?;
        if let Some(n) = workers {
            server = server.workers(n);
        }
        server.run().await
    })
}
