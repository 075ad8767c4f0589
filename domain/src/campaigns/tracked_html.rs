//! The markup tracking adds to a scenario's HTML: an open pixel and a
//! honeypot link no person sees in every message, and the action of the
//! landing form (which sanitising strips, so that only the platform sets
//! where a form goes).

/// `html` (a message body) with a 1×1 open pixel and a hidden honeypot
/// link appended. The honeypot is invisible and out of the tab order, so a
/// person cannot follow it; scanners that fetch every `href` do.
pub fn with_tracking(html: &str, open_url: &str, honeypot_url: &str) -> String {
    let (open, honeypot) = (attribute(open_url), attribute(honeypot_url));
    format!(
        "{html}\n<a href=\"{honeypot}\" style=\"display:none;font-size:0;color:transparent\" aria-hidden=\"true\" \
         tabindex=\"-1\"></a><img src=\"{open}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0\">"
    )
}

/// A URL written into a double-quoted attribute: `&` and `"` escaped, the
/// rest (our own base URL and a base64url token) as it is.
fn attribute(url: &str) -> String {
    url.replace('&', "&amp;").replace('"', "&quot;")
}

/// A landing page whose form posts to `action`.
pub fn with_form_action(html: &str, action: &str) -> String {
    html.replace("<form", &format!("<form method=\"post\" action=\"{}\"", attribute(action)))
}

/// A whole page around a scenario's sanitised `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <meta name=\"robots\" content=\"noindex\"><title>{}</title></head><body>{body}</body></html>",
        ammonia::clean_text(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_a_pixel_and_a_hidden_honeypot_and_forms_post_where_we_say() {
        let html = with_tracking("<p>Hi</p>", "https://t.example/t/abc/open.gif", "https://t.example/t/abc/h");
        assert!(html.starts_with("<p>Hi</p>"));
        assert!(html.contains("<img src=\"https://t.example/t/abc/open.gif\" width=\"1\" height=\"1\""));
        assert!(html.contains("href=\"https://t.example/t/abc/h\" style=\"display:none"));
        let landing = with_form_action("<form><input name=\"password\"></form>", "/t/abc/submit");
        assert_eq!(landing, "<form method=\"post\" action=\"/t/abc/submit\"><input name=\"password\"></form>");
        assert!(page("A & B <i>", "<p>x</p>").contains("<title>A&#32;&amp;&#32;B&#32;&lt;i&gt;</title>"));
    }
}
