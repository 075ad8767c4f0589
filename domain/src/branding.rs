//! A customer's branding: its logo, brand colour and welcome message.
//!
//! Pure rules, no I/O: the bytes of an uploaded logo go in, a verdict comes
//! out. The content of a logo decides its format, never a file name or a
//! content type sent along with it: a JPEG renamed `.png` is still a JPEG.
//! SVG logos are shown in browsers, so anything that could run code or load
//! something from elsewhere (scripts, event handlers, foreign HTML, external
//! references, DTDs) is refused rather than cleaned up.

use std::fmt;
use std::io::Cursor;

/// The formats a logo may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogoFormat {
    /// A PNG bitmap.
    Png,
    /// An SVG drawing.
    Svg,
}

impl LogoFormat {
    /// The media type to serve the logo with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Svg => "image/svg+xml",
        }
    }

    /// The short name: `png` or `svg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
        }
    }

    /// Reads back a stored media type (as [`LogoFormat::content_type`] wrote
    /// it; case and parameters such as `; charset=utf-8` are ignored).
    pub fn parse_content_type(raw: &str) -> Option<Self> {
        let essence = raw.split(';').next().unwrap_or_default().trim();
        [Self::Png, Self::Svg].into_iter().find(|format| format.content_type().eq_ignore_ascii_case(essence))
    }
}

impl fmt::Display for LogoFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checked logo: a PNG that decodes completely, or an SVG without scripts
/// or external references, in both cases at least
/// [`Logo::MIN_SIDE`] × [`Logo::MIN_SIDE`] pixels and at most
/// [`Logo::MAX_BYTES`] long.
#[derive(Clone, PartialEq, Eq)]
pub struct Logo {
    format: LogoFormat,
    width: u32,
    height: u32,
    bytes: Vec<u8>,
}

/// Why a logo was refused. The messages are shown to the admin who uploaded
/// it and say what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogoError {
    /// No bytes at all.
    #[error("the logo file is empty; choose a PNG or SVG image")]
    Empty,
    /// Longer than [`Logo::MAX_BYTES`].
    #[error(
        "the logo is larger than {} MiB ({max_bytes} bytes); make it smaller, for example by exporting it at a lower resolution",
        .max_bytes / (1024 * 1024)
    )]
    TooLarge {
        /// The limit, in bytes.
        max_bytes: usize,
    },
    /// Neither a PNG nor an SVG.
    #[error("{}", unknown_format_message(*.detected))]
    UnknownFormat {
        /// The format recognised from a well-known signature ("JPEG", "GIF",
        /// "WebP"…), if any.
        detected: Option<&'static str>,
    },
    /// Starts like a PNG but does not decode (truncated, corrupt, or too many
    /// pixels to decode safely).
    #[error("the logo could not be read as a PNG image ({0}); export it again as a PNG of at most 2048 × 2048 pixels")]
    InvalidPng(String),
    /// Smaller than [`Logo::MIN_SIDE`] on a side.
    #[error("the logo is {width} × {height} pixels; it must be at least {min} × {min}")]
    TooSmall {
        /// Its width, in pixels.
        width: u32,
        /// Its height, in pixels.
        height: u32,
        /// The smallest accepted side.
        min: u32,
    },
    /// Looks like an SVG but is not well-formed XML, declares a DTD, or
    /// misses the SVG namespace.
    #[error("the logo is not a well-formed SVG file ({0}); export it again as plain SVG")]
    SvgMalformed(String),
    /// Has a `script` element.
    #[error("SVG logos may not contain scripts; remove the <script> elements")]
    SvgScript,
    /// Has a `foreignObject` element or HTML content.
    #[error("SVG logos may not embed HTML or other foreign content; remove the <foreignObject> elements")]
    SvgForeignObject,
    /// Has an event handler attribute (`onload`, `onclick`…).
    #[error("SVG logos may not contain event handlers; remove the {attribute} attribute")]
    SvgEventHandler {
        /// The attribute's name, as written.
        attribute: String,
    },
    /// Refers to something outside the file (a URL, a data: URL, another
    /// file, a style sheet).
    #[error(
        "SVG logos may only reference their own content (#id); found an external reference to '{reference}': embed or remove it"
    )]
    SvgExternalReference {
        /// The reference, shortened to about 100 characters.
        reference: String,
    },
    /// Neither pixel `width` and `height` nor a `viewBox` on the root.
    #[error(
        "the SVG logo has no size; give its <svg> element a width and height in pixels (like width=\"512\" height=\"512\") or a viewBox"
    )]
    SvgNoSize,
}

fn unknown_format_message(detected: Option<&str>) -> String {
    match detected {
        Some(format) => {
            format!("the logo is in {format} format; only PNG and SVG images are accepted: convert it to one of these")
        }
        None => "the logo is neither a PNG nor an SVG image; only PNG and SVG images are accepted".to_owned(),
    }
}

impl Logo {
    /// Longest accepted logo: 2 MiB.
    pub const MAX_BYTES: usize = 2 * 1024 * 1024;
    /// Shortest accepted side, in pixels.
    pub const MIN_SIDE: u32 = 200;

    /// Checks uploaded bytes; the content alone decides the format.
    pub fn parse(bytes: Vec<u8>) -> Result<Self, LogoError> {
        if bytes.is_empty() {
            return Err(LogoError::Empty);
        }
        if bytes.len() > Self::MAX_BYTES {
            return Err(LogoError::TooLarge { max_bytes: Self::MAX_BYTES });
        }
        let (format, width, height) = if bytes.starts_with(PNG_SIGNATURE) {
            let (width, height) = png_size(&bytes)?;
            (LogoFormat::Png, width, height)
        } else if let Some(detected) = binary_signature(&bytes) {
            return Err(LogoError::UnknownFormat { detected: Some(detected) });
        } else {
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return Err(LogoError::UnknownFormat { detected: None });
            };
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            match sniff_markup(text) {
                Markup::Svg => {
                    let (width, height) = svg_size(text)?;
                    (LogoFormat::Svg, width, height)
                }
                Markup::Html => return Err(LogoError::UnknownFormat { detected: Some("HTML") }),
                Markup::Other => return Err(LogoError::UnknownFormat { detected: None }),
            }
        };
        if width < Self::MIN_SIDE || height < Self::MIN_SIDE {
            return Err(LogoError::TooSmall { width, height, min: Self::MIN_SIDE });
        }
        Ok(Self { format, width, height, bytes })
    }

    /// Its format.
    pub fn format(&self) -> LogoFormat {
        self.format
    }

    /// Its width in pixels (for an SVG, as declared, rounded down).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Its height in pixels (for an SVG, as declared, rounded down).
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The file, exactly as uploaded.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The file, exactly as uploaded, for storing.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl fmt::Debug for Logo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logo")
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// What the PNG decoder may allocate for itself (chunks, rows).
const PNG_DECODER_BYTES: usize = 8 * 1024 * 1024;
/// Largest decoded image buffer; with [`PNG_DECODER_BYTES`], checking a
/// decompression bomb never takes more than 64 MiB.
const PNG_IMAGE_BYTES: usize = 56 * 1024 * 1024;

/// Decodes a whole PNG (every row, up to the end chunk) and returns its size.
fn png_size(bytes: &[u8]) -> Result<(u32, u32), LogoError> {
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: PNG_DECODER_BYTES });
    // The pixels are only checked, not used: no expansion to RGBA.
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info().map_err(png_error)?;
    let (width, height) = reader.info().size();
    let too_many = || LogoError::InvalidPng(format!("at {width} × {height} pixels it is too large to decode"));
    let size = reader.output_buffer_size().ok_or_else(too_many)?;
    if size > PNG_IMAGE_BYTES {
        return Err(too_many());
    }
    let mut buffer = vec![0; size];
    reader.next_frame(&mut buffer).map_err(png_error)?;
    reader.finish().map_err(png_error)?;
    Ok((width, height))
}

fn png_error(error: png::DecodingError) -> LogoError {
    match error {
        png::DecodingError::LimitsExceeded => LogoError::InvalidPng("it needs too much memory to decode".to_owned()),
        other => LogoError::InvalidPng(other.to_string()),
    }
}

/// Names a well-known binary format that is not accepted, from its first bytes.
fn binary_signature(bytes: &[u8]) -> Option<&'static str> {
    let brand = bytes.get(4..8).filter(|tag| *tag == b"ftyp").and(bytes.get(8..12));
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("JPEG")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("GIF")
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("WebP")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if bytes.starts_with(b"%PDF-") {
        Some("PDF")
    } else if bytes.starts_with(&[0x1F, 0x8B]) {
        Some("gzip")
    } else if matches!(brand, Some(b"avif" | b"avis")) {
        Some("AVIF")
    } else if matches!(brand, Some(b"heic" | b"heix" | b"heif" | b"mif1")) {
        Some("HEIC")
    } else {
        None
    }
}

/// What a text document is, judged by its first element (or DOCTYPE).
#[derive(Debug, PartialEq, Eq)]
enum Markup {
    Svg,
    Html,
    Other,
}

/// Looks past the XML declaration, processing instructions and comments at
/// the start of `text` for the root element's name (or the DOCTYPE's).
fn sniff_markup(text: &str) -> Markup {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            let Some(end) = after.find("?>") else { return Markup::Other };
            rest = after[end + 2..].trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else { return Markup::Other };
            rest = after[end + 3..].trim_start();
        } else if rest.get(..9).is_some_and(|start| start.eq_ignore_ascii_case("<!doctype")) {
            return classify_root(rest[9..].trim_start());
        } else if let Some(after) = rest.strip_prefix('<') {
            return classify_root(after);
        } else {
            return Markup::Other;
        }
    }
}

fn classify_root(after_bracket: &str) -> Markup {
    let end =
        after_bracket.find(|c: char| c.is_whitespace() || matches!(c, '>' | '/' | '[')).unwrap_or(after_bracket.len());
    let name = &after_bracket[..end];
    let local = name.rsplit(':').next().unwrap_or(name);
    if local == "svg" {
        Markup::Svg
    } else if name.eq_ignore_ascii_case("html") {
        Markup::Html
    } else {
        Markup::Other
    }
}

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";
const XHTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Parses an SVG, refuses anything unsafe in it and returns its size.
fn svg_size(text: &str) -> Result<(u32, u32), LogoError> {
    // roxmltree's defaults refuse any DTD, and with it entity expansion.
    let document = roxmltree::Document::parse(text).map_err(|error| {
        LogoError::SvgMalformed(match error {
            roxmltree::Error::DtdDetected => {
                "it has a <!DOCTYPE …> declaration, which is not accepted; remove it".to_owned()
            }
            other => other.to_string(),
        })
    })?;
    let root = document.root_element();
    if root.tag_name().name() != "svg" {
        return Err(LogoError::UnknownFormat { detected: None });
    }
    if root.tag_name().namespace() != Some(SVG_NAMESPACE) {
        return Err(LogoError::SvgMalformed(format!("its <svg> element must declare xmlns=\"{SVG_NAMESPACE}\"")));
    }
    for node in document.descendants() {
        check_node(node)?;
    }
    let width = svg_length(root.attribute("width"));
    let height = svg_length(root.attribute("height"));
    let (width, height) = match (width, height) {
        (Some(width), Some(height)) => (width, height),
        _ => view_box_size(root.attribute("viewBox")).ok_or(LogoError::SvgNoSize)?,
    };
    // Saturating conversions: sizes beyond u32 are simply large.
    Ok((width.floor() as u32, height.floor() as u32))
}

/// Refuses a node that could run code or load something from elsewhere.
fn check_node(node: roxmltree::Node<'_, '_>) -> Result<(), LogoError> {
    if let Some(instruction) = node.pi() {
        if instruction.target.eq_ignore_ascii_case("xml-stylesheet") {
            return Err(external(instruction.value.unwrap_or_default()));
        }
        return Ok(());
    }
    if node.is_text() {
        let in_style =
            node.parent_element().is_some_and(|parent| parent.tag_name().name().eq_ignore_ascii_case("style"));
        if let Some(reference) = node.text().filter(|_| in_style).and_then(external_css_reference) {
            return Err(external(&reference));
        }
        return Ok(());
    }
    if !node.is_element() {
        return Ok(());
    }
    let name = node.tag_name().name();
    if name.eq_ignore_ascii_case("script") {
        return Err(LogoError::SvgScript);
    }
    if name.eq_ignore_ascii_case("foreignObject") || node.tag_name().namespace() == Some(XHTML_NAMESPACE) {
        return Err(LogoError::SvgForeignObject);
    }
    for attribute in node.attributes() {
        let local = attribute.name();
        let value = attribute.value();
        if local.get(..2).is_some_and(|start| start.eq_ignore_ascii_case("on")) {
            return Err(LogoError::SvgEventHandler { attribute: excerpt(local) });
        }
        let is_reference = local.eq_ignore_ascii_case("href") || local.eq_ignore_ascii_case("src");
        if is_reference && !value.trim().starts_with('#') {
            return Err(external(value));
        }
        if attribute.namespace() == Some(XML_NAMESPACE) && local == "base" && !value.trim().is_empty() {
            return Err(external(value));
        }
        if let Some(reference) = external_css_reference(value) {
            return Err(external(&reference));
        }
    }
    check_animation(node)
}

/// Refuses an animation (`<set attributeName="href" to="https://…">`) that
/// would give an element an external reference or an event handler.
fn check_animation(node: roxmltree::Node<'_, '_>) -> Result<(), LogoError> {
    const ANIMATIONS: [&str; 5] = ["animate", "set", "animateMotion", "animateTransform", "animateColor"];
    let name = node.tag_name().name();
    if !ANIMATIONS.iter().any(|animation| animation.eq_ignore_ascii_case(name)) {
        return Ok(());
    }
    let Some(target) = node.attribute("attributeName") else { return Ok(()) };
    let target = target.trim();
    let local = target.rsplit(':').next().unwrap_or(target);
    if local.get(..2).is_some_and(|start| start.eq_ignore_ascii_case("on")) {
        return Err(LogoError::SvgEventHandler { attribute: excerpt(target) });
    }
    if local.eq_ignore_ascii_case("href") || local.eq_ignore_ascii_case("src") {
        for key in ["to", "from", "by", "values"] {
            let values = node.attribute(key).unwrap_or_default();
            if let Some(value) = values.split(';').map(str::trim).find(|v| !v.is_empty() && !v.starts_with('#')) {
                return Err(external(value));
            }
        }
    }
    Ok(())
}

fn external(reference: &str) -> LogoError {
    LogoError::SvgExternalReference { reference: excerpt(reference) }
}

/// Finds in CSS (a `style` element, or any attribute value) an `@import`, or
/// a `url(…)` / `src(…)` / `image-set(…)` that points outside the document.
fn external_css_reference(css: &str) -> Option<String> {
    let css = unescape_css(css);
    // ASCII lower-casing keeps byte offsets, so `lower` indexes `css`.
    let lower = css.to_ascii_lowercase();
    if let Some(at) = lower.find("@import") {
        let rest = &css[at..];
        return Some(rest[..rest.find(';').unwrap_or(rest.len())].to_owned());
    }
    if let Some(at) = lower.find("image-set(") {
        return Some(css[at..].to_owned());
    }
    for function in ["url(", "src("] {
        for (at, _) in lower.match_indices(function) {
            let target = css[at + function.len()..].trim_start();
            let target = target.strip_prefix(['"', '\'']).unwrap_or(target).trim_start();
            if !target.starts_with('#') {
                let end = target.find([')', '"', '\'']).unwrap_or(target.len());
                return Some(target[..end].to_owned());
            }
        }
    }
    None
}

/// Resolves CSS escapes (`\75 rl(` is `url(`), so that they cannot hide a
/// reference.
fn unescape_css(css: &str) -> String {
    if !css.contains('\\') {
        return css.to_owned();
    }
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut code = 0u32;
        let mut digits = 0;
        while digits < 6 {
            let Some(digit) = chars.peek().and_then(|d| d.to_digit(16)) else { break };
            code = code * 16 + digit;
            digits += 1;
            chars.next();
        }
        if digits > 0 {
            out.push(char::from_u32(code).filter(|&decoded| decoded != '\0').unwrap_or('\u{fffd}'));
            if chars.peek().is_some_and(|w| w.is_whitespace()) {
                chars.next();
            }
        } else if let Some(next) = chars.next()
            && next != '\n'
        {
            // An escaped line break continues the line; anything else stands for itself.
            out.push(next);
        }
    }
    out
}

/// A root `width`/`height`: a plain number or one in `px`; other units
/// (`%`, `em`, `mm`…) have no fixed pixel size.
fn svg_length(raw: Option<&str>) -> Option<f64> {
    let raw = raw?.trim();
    let number = match raw.len().checked_sub(2).and_then(|at| raw.get(at..)) {
        Some(unit) if unit.eq_ignore_ascii_case("px") => raw[..raw.len() - 2].trim_end(),
        _ => raw,
    };
    svg_number(number)
}

/// The width and height of a `viewBox` (`min-x min-y width height`).
fn view_box_size(raw: Option<&str>) -> Option<(f64, f64)> {
    let parts: Vec<&str> = raw?.split(|c: char| c.is_whitespace() || c == ',').filter(|p| !p.is_empty()).collect();
    let [_, _, width, height] = parts.as_slice() else { return None };
    Some((svg_number(width)?, svg_number(height)?))
}

/// A positive, finite number as SVG writes it (`12`, `1.5`, `1e3`).
fn svg_number(raw: &str) -> Option<f64> {
    if raw.is_empty() || !raw.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E')) {
        return None;
    }
    raw.parse::<f64>().ok().filter(|n| n.is_finite() && *n > 0.0)
}

/// Longest part of a reference quoted in a message, in characters.
const EXCERPT_CHARS: usize = 100;

/// `raw` shortened for a message, without control characters.
fn excerpt(raw: &str) -> String {
    let cleaned: String = raw.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if cleaned.chars().count() <= EXCERPT_CHARS {
        return cleaned;
    }
    let mut short: String = cleaned.chars().take(EXCERPT_CHARS).collect();
    short.push('…');
    short
}

/// A brand colour: `#` and six hex digits, stored upper-case (`#1A73E8`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BrandColour(String);

/// A colour not written as `#RRGGBB`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a colour like #1A73E8 (# and six hex digits)")]
pub struct BrandColourError(pub String);

impl BrandColour {
    /// The accepted spelling, for the API contract (before trimming and
    /// upper-casing).
    pub const PATTERN: &'static str = "^#[0-9A-Fa-f]{6}$";

    /// Parses `#RRGGBB` in either case, around whitespace.
    pub fn parse(raw: &str) -> Result<Self, BrandColourError> {
        let trimmed = raw.trim();
        match trimmed.strip_prefix('#') {
            Some(hex) if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(Self(format!("#{}", hex.to_ascii_uppercase())))
            }
            _ => Err(BrandColourError(raw.to_owned())),
        }
    }

    /// The colour, like `#1A73E8`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BrandColour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A message greeting the customer's users: trimmed, 1 to
/// [`WelcomeMessage::MAX_CHARS`] characters, line breaks as `\n`, and no
/// control characters other than line breaks and tabs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WelcomeMessage(String);

/// Why a welcome message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WelcomeMessageError {
    /// Nothing but whitespace.
    #[error("the welcome message is empty; write one, or leave it out")]
    Empty,
    /// Longer than [`WelcomeMessage::MAX_CHARS`].
    #[error("the welcome message is {chars} characters long; it may have at most {max}")]
    TooLong {
        /// Its length, in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// Has an invisible control character.
    #[error(
        "the welcome message contains the control character U+{codepoint:04X}; only line breaks and tabs are allowed"
    )]
    ControlCharacter {
        /// The character's code point.
        codepoint: u32,
    },
}

impl WelcomeMessage {
    /// Longest accepted message, in characters.
    pub const MAX_CHARS: usize = 2000;

    /// Parses a message typed by a person; `\r\n` (and a lone `\r`) become
    /// `\n`.
    pub fn parse(raw: &str) -> Result<Self, WelcomeMessageError> {
        let normalised = raw.replace("\r\n", "\n").replace('\r', "\n");
        let text = normalised.trim();
        if text.is_empty() {
            return Err(WelcomeMessageError::Empty);
        }
        if let Some(control) = text.chars().find(|&c| c.is_control() && c != '\n' && c != '\t') {
            return Err(WelcomeMessageError::ControlCharacter { codepoint: u32::from(control) });
        }
        let chars = text.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(WelcomeMessageError::TooLong { chars, max: Self::MAX_CHARS });
        }
        Ok(Self(text.to_owned()))
    }

    /// The normalised message.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WelcomeMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A real, grayscale PNG of the given size.
    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        let pixels: Vec<u8> = (0..width * height).map(|i| (i % 251) as u8).collect();
        writer.write_image_data(&pixels).expect("pixels");
        writer.finish().expect("end");
        out
    }

    fn svg(attributes: &str, body: &str) -> Vec<u8> {
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" {attributes}>{body}</svg>"#)
            .into_bytes()
    }

    fn sized_svg(body: &str) -> Vec<u8> {
        svg(r#"width="256" height="256""#, body)
    }

    fn refusal(bytes: Vec<u8>) -> LogoError {
        Logo::parse(bytes).expect_err("refused")
    }

    #[test]
    fn a_png_of_the_minimum_size_is_accepted_with_its_size() {
        let bytes = png_of(200, 200);
        let logo = Logo::parse(bytes.clone()).expect("valid");
        assert_eq!((logo.format(), logo.width(), logo.height()), (LogoFormat::Png, 200, 200));
        assert_eq!(logo.bytes(), bytes.as_slice());
        assert_eq!(logo.format().content_type(), "image/png");
    }

    #[test]
    fn a_png_smaller_than_the_minimum_on_any_side_is_refused() {
        assert_eq!(refusal(png_of(199, 199)), LogoError::TooSmall { width: 199, height: 199, min: 200 });
        assert_eq!(refusal(png_of(200, 199)), LogoError::TooSmall { width: 200, height: 199, min: 200 });
        assert_eq!(
            refusal(png_of(199, 199)).to_string(),
            "the logo is 199 × 199 pixels; it must be at least 200 × 200"
        );
        assert!(matches!(refusal(png_of(10, 10)), LogoError::TooSmall { .. }));
    }

    #[test]
    fn a_truncated_png_is_invalid() {
        let mut bytes = png_of(300, 300);
        bytes.truncate(bytes.len() / 2);
        let error = refusal(bytes);
        assert!(matches!(error, LogoError::InvalidPng(_)), "{error:?}");
    }

    #[test]
    fn a_png_with_a_corrupt_checksum_is_invalid() {
        let mut bytes = png_of(200, 200);
        let last_crc = bytes.len() - 1;
        bytes[last_crc] ^= 0xFF;
        assert!(matches!(refusal(bytes), LogoError::InvalidPng(_)));
    }

    /// CRC-32 as PNG chunks use it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn a_png_declaring_too_many_pixels_is_refused_before_decoding() {
        // A valid header claiming 60000 × 60000 RGBA pixels (gigabytes if
        // decoded) in front of the data of a small image.
        let mut bytes = png_of(200, 200);
        let ihdr = 8 + 4..8 + 4 + 4 + 13;
        bytes[ihdr.start + 4..ihdr.start + 8].copy_from_slice(&60_000u32.to_be_bytes());
        bytes[ihdr.start + 8..ihdr.start + 12].copy_from_slice(&60_000u32.to_be_bytes());
        bytes[ihdr.start + 13] = 6; // RGBA
        let crc = crc32(&bytes[ihdr.clone()]);
        bytes[ihdr.end..ihdr.end + 4].copy_from_slice(&crc.to_be_bytes());
        let error = refusal(bytes);
        assert!(
            matches!(&error, LogoError::InvalidPng(reason) if reason.contains("60000 × 60000 pixels it is too large")),
            "{error:?}"
        );
    }

    #[test]
    fn a_jpeg_renamed_png_is_recognised_and_refused() {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
        bytes.extend((0..500u32).map(|i| (i * 7) as u8));
        let error = refusal(bytes);
        assert_eq!(error, LogoError::UnknownFormat { detected: Some("JPEG") });
        assert!(error.to_string().contains("JPEG format; only PNG and SVG"), "{error}");
    }

    #[test]
    fn other_well_known_formats_are_named() {
        assert_eq!(refusal(b"GIF89a\x01\x00".to_vec()), LogoError::UnknownFormat { detected: Some("GIF") });
        assert_eq!(refusal(b"RIFF\0\0\0\0WEBPVP8 ".to_vec()), LogoError::UnknownFormat { detected: Some("WebP") });
        assert_eq!(refusal(vec![0, 1, 2, 3, 0xFE]), LogoError::UnknownFormat { detected: None });
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        assert_eq!(refusal(Vec::new()), LogoError::Empty);
        let error = refusal(vec![b' '; Logo::MAX_BYTES + 1]);
        assert_eq!(error, LogoError::TooLarge { max_bytes: Logo::MAX_BYTES });
        assert!(error.to_string().starts_with("the logo is larger than 2 MiB (2097152 bytes)"), "{error}");
    }

    #[test]
    fn a_clean_svg_with_internal_references_is_accepted() {
        let body = r##"<defs><linearGradient id="g"/><circle id="a" r="5"/></defs><use href="#a"/><use xlink:href=" #a"/><rect fill="url(#g)" style="stroke: url( '#g' )" width="10" height="10"/><style>rect { fill: url("#g") }</style>"##;
        let logo = Logo::parse(sized_svg(body)).expect("valid");
        assert_eq!((logo.format(), logo.width(), logo.height()), (LogoFormat::Svg, 256, 256));
        assert_eq!(logo.format().content_type(), "image/svg+xml");
    }

    #[test]
    fn an_svg_with_a_bom_declaration_and_comment_is_accepted() {
        let mut bytes =
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- made by hand -->\n".as_bytes().to_vec();
        bytes.extend(svg(r#"width="300px" height="200.9""#, ""));
        let logo = Logo::parse(bytes).expect("valid");
        assert_eq!((logo.width(), logo.height()), (300, 200));
    }

    #[test]
    fn the_view_box_gives_the_size_when_width_or_height_is_missing_or_relative() {
        let logo = Logo::parse(svg(r#"viewBox="0 0 512 300.5""#, "")).expect("valid");
        assert_eq!((logo.width(), logo.height()), (512, 300));
        let logo = Logo::parse(svg(r#"width="100%" height="400" viewBox="0,0,640,480""#, "")).expect("valid");
        assert_eq!((logo.width(), logo.height()), (640, 480));
    }

    #[test]
    fn an_svg_without_a_usable_size_is_refused() {
        assert_eq!(refusal(svg(r#"width="100%" height="100%""#, "")), LogoError::SvgNoSize);
        assert_eq!(refusal(svg("", "")), LogoError::SvgNoSize);
        assert_eq!(refusal(svg(r#"width="10em" viewBox="0 0 -5 5""#, "")), LogoError::SvgNoSize);
        assert_eq!(refusal(svg(r#"width="inf" height="nan""#, "")), LogoError::SvgNoSize);
        assert_eq!(refusal(svg("", "")), LogoError::SvgNoSize);
    }

    #[test]
    fn a_small_svg_is_refused() {
        assert_eq!(
            refusal(svg(r#"width="150" height="150""#, "")),
            LogoError::TooSmall { width: 150, height: 150, min: 200 }
        );
    }

    #[test]
    fn scripts_and_foreign_content_are_refused() {
        assert_eq!(refusal(sized_svg("<script>alert(1)</script>")), LogoError::SvgScript);
        assert_eq!(refusal(sized_svg(r#"<g><SCRIPT xmlns="urn:x"/></g>"#)), LogoError::SvgScript);
        assert_eq!(refusal(sized_svg("<foreignObject><p>hi</p></foreignObject>")), LogoError::SvgForeignObject);
        assert_eq!(
            refusal(sized_svg(r#"<iframe xmlns="http://www.w3.org/1999/xhtml" src="x"/>"#)),
            LogoError::SvgForeignObject
        );
        assert_eq!(refusal(sized_svg("<script/>")), LogoError::SvgScript);
        assert_eq!(
            refusal(sized_svg("<script/>")).to_string(),
            "SVG logos may not contain scripts; remove the <script> elements"
        );
    }

    #[test]
    fn event_handlers_are_refused() {
        assert_eq!(
            refusal(svg(r#"width="256" height="256" onload="alert(1)""#, "")),
            LogoError::SvgEventHandler { attribute: "onload".into() }
        );
        assert_eq!(
            refusal(sized_svg(r#"<rect OnClick="x()"/>"#)),
            LogoError::SvgEventHandler { attribute: "OnClick".into() }
        );
        assert!(matches!(
            refusal(sized_svg(r#"<set attributeName="onmouseover" to="alert(1)"/>"#)),
            LogoError::SvgEventHandler { .. }
        ));
    }

    #[test]
    fn external_references_are_refused() {
        let cases: [(&str, &str); 10] = [
            (r#"<image href="https://evil.example/x.png"/>"#, "https://evil.example/x.png"),
            (r#"<use xlink:href="http://evil.example/a.svg#x"/>"#, "http://evil.example/a.svg#x"),
            (r#"<image href="data:image/png;base64,AAAA"/>"#, "data:image/png;base64,AAAA"),
            (r#"<use href="other.svg#a"/>"#, "other.svg#a"),
            (r#"<a href="javascript:alert(1)"><rect/></a>"#, "javascript:alert(1)"),
            (r#"<rect style="fill:url(https://x)"/>"#, "https://x"),
            (r#"<rect fill="URL( 'x.svg#g' )"/>"#, "x.svg#g"),
            ("<style>@import url(x.css);</style>", "@import url(x.css)"),
            (r#"<style><![CDATA[rect { fill: \75 rl(http://e/x) }]]></style>"#, "http://e/x"),
            (r#"<set attributeName="xlink:href" to="https://e/x"/>"#, "https://e/x"),
        ];
        for (body, reference) in cases {
            let error = refusal(sized_svg(body));
            assert_eq!(error, LogoError::SvgExternalReference { reference: reference.into() }, "{body}");
        }
        let mut bytes = b"<?xml-stylesheet href=\"https://e/s.css\"?>".to_vec();
        bytes.extend(sized_svg(""));
        assert!(matches!(refusal(bytes), LogoError::SvgExternalReference { .. }));
    }

    #[test]
    fn a_long_external_reference_is_shortened_in_the_message() {
        let url = format!("https://evil.example/{}", "a".repeat(300));
        let error = refusal(sized_svg(&format!(r#"<image href="{url}"/>"#)));
        let LogoError::SvgExternalReference { reference } = &error else { panic!("{error:?}") };
        assert_eq!(reference.chars().count(), EXCERPT_CHARS + 1);
        assert!(error.to_string().starts_with(
            "SVG logos may only reference their own content (#id); found an external reference to 'https://evil.example/aaa"
        ));
    }

    #[test]
    fn dtds_and_malformed_svgs_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><text>&b;</text></svg>"#;
        let error = refusal(bomb.as_bytes().to_vec());
        assert!(matches!(&error, LogoError::SvgMalformed(reason) if reason.contains("DOCTYPE")), "{error:?}");
        assert!(matches!(
            refusal(b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"256\"".to_vec()),
            LogoError::SvgMalformed(_)
        ));
        assert!(matches!(refusal(b"<svg width=\"256\" height=\"256\"></svg>".to_vec()), LogoError::SvgMalformed(_)));
    }

    #[test]
    fn html_and_other_text_are_unknown_formats() {
        let html = b"<!DOCTYPE html>\n<html><body><svg xmlns=\"http://www.w3.org/2000/svg\"/></body></html>".to_vec();
        assert_eq!(refusal(html), LogoError::UnknownFormat { detected: Some("HTML") });
        assert_eq!(
            refusal(b"<html><body>hi</body></html>".to_vec()),
            LogoError::UnknownFormat { detected: Some("HTML") }
        );
        assert_eq!(refusal(b"<?xml version=\"1.0\"?><note/>".to_vec()), LogoError::UnknownFormat { detected: None });
        assert_eq!(refusal(b"just some text".to_vec()), LogoError::UnknownFormat { detected: None });
    }

    #[test]
    fn content_types_read_back() {
        for format in [LogoFormat::Png, LogoFormat::Svg] {
            assert_eq!(LogoFormat::parse_content_type(format.content_type()), Some(format));
        }
        assert_eq!(LogoFormat::parse_content_type("Image/SVG+XML; charset=utf-8"), Some(LogoFormat::Svg));
        assert_eq!(LogoFormat::parse_content_type("image/jpeg"), None);
        assert_eq!(LogoFormat::Png.as_str(), "png");
    }

    #[test]
    fn brand_colours_are_hex_triplets_stored_upper_case() {
        assert_eq!(BrandColour::parse(" #1a2b3c ").map(|c| c.as_str().to_owned()), Ok("#1A2B3C".into()));
        assert!(BrandColour::parse("#1A73E8").is_ok());
        for bad in ["1A73E8", "#1A73E", "#1A73E8F", "#GGGGGG", "#fff", "", "red", "#1A 3E8"] {
            assert_eq!(BrandColour::parse(bad), Err(BrandColourError(bad.into())), "{bad}");
        }
        assert_eq!(
            BrandColour::parse("red").expect_err("refused").to_string(),
            "'red' is not a colour like #1A73E8 (# and six hex digits)"
        );
        let pattern = regex::Regex::new(BrandColour::PATTERN).expect("regex");
        assert!(pattern.is_match("#1a73E8") && !pattern.is_match("#1a73E"));
    }

    #[test]
    fn welcome_messages_are_trimmed_with_unix_line_breaks() {
        let message = WelcomeMessage::parse("  Welcome!\r\n\tEnjoy.\r\n ").expect("valid");
        assert_eq!(message.as_str(), "Welcome!\n\tEnjoy.");
        let longest = "é".repeat(WelcomeMessage::MAX_CHARS);
        assert!(WelcomeMessage::parse(&longest).is_ok(), "characters are counted, not bytes");
    }

    #[test]
    fn empty_long_and_control_filled_welcome_messages_are_refused() {
        assert_eq!(WelcomeMessage::parse(" \r\n "), Err(WelcomeMessageError::Empty));
        assert_eq!(
            WelcomeMessage::parse(&"a".repeat(WelcomeMessage::MAX_CHARS + 1)),
            Err(WelcomeMessageError::TooLong { chars: 2001, max: 2000 })
        );
        let error = WelcomeMessage::parse("hi\u{7}there").expect_err("bell");
        assert_eq!(error, WelcomeMessageError::ControlCharacter { codepoint: 7 });
        assert!(error.to_string().contains("U+0007"), "{error}");
        assert!(WelcomeMessage::parse("hi\u{0}").is_err());
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = Logo::parse(bytes);
        }

        #[test]
        fn parsing_arbitrary_svg_like_text_never_panics(tail in ".{0,2000}") {
            let _ = Logo::parse(format!("<svg xmlns=\"http://www.w3.org/2000/svg\"{tail}").into_bytes());
        }

        #[test]
        fn parsing_arbitrary_png_like_bytes_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let mut bytes = PNG_SIGNATURE.to_vec();
            bytes.extend(tail);
            let _ = Logo::parse(bytes);
        }
    }
}
