//! What the text a request carries must be before a handler reads it: storable in a `TEXT`
//! column on both backends. PostgreSQL refuses the NUL character (U+0000) in text, SQLite
//! keeps it; refusing it where forms are parsed (every url-encoded form, every multipart text
//! field, every query string of the staff area) makes the backends behave alike and answers with the field's
//! name, before any query runs, instead of a failed write.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::error::AppError;

/// Whether `value` holds a character no text column takes.
fn unstorable(value: &str) -> bool {
    value.contains('\0')
}

/// The refusal for field `name`, in words the person who typed it can act on.
fn refusal(name: &str) -> AppError {
    let name: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    AppError::bad_request(format!(
        "The field “{name}” contains a NUL character (U+0000), which cannot be saved. \
         Remove it and send the form again; nothing was changed."
    ))
}

/// Checks one text field.
pub fn check(name: &str, value: &str) -> Result<(), AppError> {
    if unstorable(name) || unstorable(value) {
        return Err(refusal(name));
    }
    Ok(())
}

/// Checks every field of a url-encoded body or query string (a malformed one is left to the
/// parser that follows, which says so).
pub fn check_urlencoded(encoded: &[u8]) -> Result<(), AppError> {
    for (name, value) in url::form_urlencoded::parse(encoded) {
        check(&name, &value)?;
    }
    Ok(())
}

/// Middleware of the staff area: a query string with an unstorable character is refused with
/// 400 before any handler reads it (its list filters are forms too). Public search keeps its
/// own rule: any input gives a page of results.
pub async fn check_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    check_urlencoded(req.query_string().as_bytes())?;
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_anywhere_in_a_form_is_refused_with_the_field_name() {
        assert!(check_urlencoded(b"title=Hello&body=%3Cp%3Ea%3C%2Fp%3E").is_ok());
        assert!(check_urlencoded(b"malformed=%zz&&=").is_ok());
        for body in [
            &b"title=a%00b"[..],
            b"x%00=1",
            b"title=ok&summary=%00",
            b"t=a\0",
        ] {
            let err = check_urlencoded(body).expect_err("refused");
            assert!(
                matches!(err, AppError::BadRequest(ref m) if m.contains("NUL")),
                "{err}"
            );
        }
        let Err(AppError::BadRequest(message)) = check_urlencoded(b"summary=%00") else {
            panic!("refused");
        };
        assert!(message.contains("“summary”"), "{message}");
    }
}
