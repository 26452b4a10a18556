//! XML text, SOAP requests read and answers written (UPnP control, SOAP 1.1).

use quick_xml::events::Event;
use quick_xml::Reader;

/// `text` as XML character data or attribute value: markup escaped, and characters
/// XML 1.0 cannot hold (control characters but tab, newline and return) dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// [`escape`] for text from the catalog (titles, paths): it also drops the
/// private-use characters U+E000 and U+E001, which stand for a device's URLs in a
/// listing rendered once for every device.
pub fn escape_text(text: &str) -> String {
    let mut out = escape(text);
    out.retain(|c| c != '\u{E000}' && c != '\u{E001}');
    out
}

/// A control request: the action and its arguments, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub action: String,
    pub args: Vec<(String, String)>,
}

impl Call {
    /// An argument's text; `None` when it was not sent.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a SOAP envelope: the first element inside `Body` names the action, its
/// child elements are the arguments. `None` for anything else (a fault 401/402 then).
pub fn parse_call(body: &[u8]) -> Option<Call> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut body_depth = None;
    let mut action: Option<String> = None;
    let mut args = Vec::new();
    let mut arg: Option<(String, String)> = None;
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        match event {
            Event::Start(e) => {
                depth += 1;
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match (body_depth, &action) {
                    (None, _) if name == "Body" => body_depth = Some(depth),
                    (Some(b), None) if depth == b + 1 => action = Some(name),
                    (Some(b), Some(_)) if depth == b + 2 => arg = Some((name, String::new())),
                    _ => {}
                }
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match (body_depth, &action) {
                    (Some(b), None) if depth == b => action = Some(name),
                    (Some(b), Some(_)) if depth == b + 1 => args.push((name, String::new())),
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some((_, value)) = &mut arg {
                    value.push_str(&t.unescape().ok()?);
                }
            }
            Event::CData(t) => {
                if let Some((_, value)) = &mut arg {
                    value.push_str(std::str::from_utf8(&t).ok()?);
                }
            }
            Event::End(_) => {
                if let Some(b) = body_depth {
                    if depth == b + 2 {
                        if let Some(done) = arg.take() {
                            args.push(done);
                        }
                    }
                    if depth == b {
                        break;
                    }
                }
                depth = depth.checked_sub(1)?;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Some(Call {
        action: action?,
        args,
    })
}

/// A SOAP answer to `action` of `service` with `args` (values escaped here).
pub fn response(service: &str, action: &str, args: &[(&str, &str)]) -> String {
    let escaped: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, escape(v))).collect();
    let refs: Vec<(&str, &str)> = escaped.iter().map(|(k, v)| (*k, v.as_str())).collect();
    response_escaped(service, action, &refs)
}

/// [`response`] with values already escaped (a DIDL-Lite `Result` escaped as it was
/// rendered).
pub fn response_escaped(service: &str, action: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>",
    );
    out.push_str(&format!("<u:{action}Response xmlns:u=\"{service}\">"));
    for (name, value) in args {
        out.push_str(&format!("<{name}>{value}</{name}>"));
    }
    out.push_str(&format!("</u:{action}Response></s:Body></s:Envelope>\n"));
    out
}

/// A UPnP error (answered with HTTP 500, as UPnP requires of a SOAP fault).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub code: u16,
    pub description: &'static str,
}

impl Fault {
    pub const INVALID_ACTION: Self = Self {
        code: 401,
        description: "Invalid Action",
    };
    pub const INVALID_ARGS: Self = Self {
        code: 402,
        description: "Invalid Args",
    };
    pub const ACTION_FAILED: Self = Self {
        code: 501,
        description: "Action Failed",
    };
    pub const NO_SUCH_OBJECT: Self = Self {
        code: 701,
        description: "No such object",
    };
    pub const INVALID_CONNECTION: Self = Self {
        code: 706,
        description: "Invalid connection reference",
    };
    pub const BAD_SEARCH_CRITERIA: Self = Self {
        code: 708,
        description: "Unsupported or invalid search criteria",
    };
    pub const BAD_SORT_CRITERIA: Self = Self {
        code: 709,
        description: "Unsupported or invalid sort criteria",
    };
    pub const NO_SUCH_CONTAINER: Self = Self {
        code: 710,
        description: "No such container",
    };
    pub const CANNOT_PROCESS: Self = Self {
        code: 720,
        description: "Cannot process the request",
    };

    /// The SOAP fault envelope.
    pub fn envelope(self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" \
             s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body><s:Fault>\
             <faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>\
             <UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\">\
             <errorCode>{}</errorCode><errorDescription>{}</errorDescription>\
             </UPnPError></detail></s:Fault></s:Body></s:Envelope>\n",
            self.code, self.description
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browse_call_is_read_whatever_its_prefixes() {
        let body = br#"<?xml version="1.0"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
<SOAP-ENV:Body><m:Browse xmlns:m="urn:schemas-upnp-org:service:ContentDirectory:1">
<ObjectID>dir:Films:a&amp;b</ObjectID><BrowseFlag>BrowseDirectChildren</BrowseFlag>
<Filter>*</Filter><StartingIndex>0</StartingIndex><RequestedCount>10</RequestedCount>
<SortCriteria/></m:Browse></SOAP-ENV:Body></SOAP-ENV:Envelope>"#;
        let call = parse_call(body).unwrap();
        assert_eq!(call.action, "Browse");
        assert_eq!(call.arg("ObjectID"), Some("dir:Films:a&b"));
        assert_eq!(call.arg("RequestedCount"), Some("10"));
        assert_eq!(call.arg("SortCriteria"), Some(""));
        assert_eq!(call.arg("Nope"), None);
        let bare = br#"<s:Envelope xmlns:s="x"><s:Body><u:GetSystemUpdateID xmlns:u="y"/></s:Body></s:Envelope>"#;
        assert_eq!(parse_call(bare).unwrap().action, "GetSystemUpdateID");
    }

    #[test]
    fn what_is_not_an_envelope_is_refused() {
        for bad in [
            &b""[..],
            b"not xml",
            b"<a><b></a>",
            b"<s:Envelope><s:Body></s:Body></s:Envelope>",
        ] {
            assert_eq!(parse_call(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn escaped_text_holds_no_markup_nor_what_xml_cannot_carry() {
        assert_eq!(
            escape("<b>&\"'\u{1}\u{8}ok\t"),
            "&lt;b&gt;&amp;&quot;&apos;ok\t"
        );
    }
}
