//! (ssr) Browser and operating system from a user agent, with woothee: its rules are compiled
//! into the server, so the WASM never carries them and no data file has to be shipped.

use super::Device;

const UNKNOWN: &str = "UNKNOWN";

/// What a user agent names; "Unknown …" for what it does not (or an empty one).
pub fn parse(user_agent: &str) -> Device {
    let unknown = || Device {
        browser: "Unknown browser".into(),
        os: "Unknown operating system".into(),
    };
    if user_agent.trim().is_empty() {
        return unknown();
    }
    let Some(found) = woothee::parser::Parser::new().parse(user_agent) else {
        return unknown();
    };
    let browser = match (found.name, major(found.version)) {
        (UNKNOWN | "", _) => "Unknown browser".to_string(),
        (name, Some(version)) => format!("{name} {version}"),
        (name, None) => name.to_string(),
    };
    let os = match found.os {
        UNKNOWN | "" => "Unknown operating system".to_string(),
        // woothee's name for macOS.
        "Mac OSX" => "macOS".to_string(),
        name => name.to_string(),
    };
    Device { browser, os }
}

/// "121" of "121.0.6167.85"; None when there is no number to show.
fn major(version: &str) -> Option<&str> {
    let major = version.split('.').next()?;
    (!major.is_empty() && major != UNKNOWN && major.chars().all(|c| c.is_ascii_digit())).then_some(major)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn common_browsers() {
        let firefox = parse("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0");
        assert_eq!(firefox.browser, "Firefox 121");
        assert_eq!(firefox.os, "Linux");
        let chrome = parse(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/120.0.0.0 Safari/537.36",
        );
        assert_eq!(chrome.browser, "Chrome 120");
        assert_eq!(chrome.os, "Windows 10");
        let safari = parse(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) \
             Version/17.2 Safari/605.1.15",
        );
        assert_eq!(safari.browser, "Safari 17");
        assert_eq!(safari.os, "macOS");
    }

    #[test]
    fn nothing_to_parse() {
        for ua in ["", "   ", "curl-ish/%%%", "\u{0}"] {
            let device = parse(ua);
            assert!(
                !device.browser.is_empty() && !device.os.is_empty(),
                "{ua:?}: {device:?}"
            );
        }
        assert_eq!(parse("").summary(), "Unknown browser on Unknown operating system");
    }
}
