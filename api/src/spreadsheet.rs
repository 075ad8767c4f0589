//! CSV exports that are safe to open in a spreadsheet.

use std::borrow::Cow;

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (or a tab
/// or carriage return before one) as a formula; a leading apostrophe keeps
/// such a value text (OWASP "CSV injection").
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}").into() } else { value.into() }
}

/// One CSV record (RFC 4180: quoted where needed, CRLF-terminated) of
/// `cells`, each made safe with [`safe_cell`].
pub fn record<'a>(cells: impl IntoIterator<Item = &'a str>) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(cells.into_iter().map(|cell| safe_cell(cell).into_owned()))?;
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_plain_values_stay() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+1"), "'+1");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("Acme"), "Acme");
    }

    #[test]
    fn records_are_quoted_and_crlf_terminated() {
        let bytes = record(["a,b", "say \"hi\"", "=1+1"]).unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&bytes), "\"a,b\",\"say \"\"hi\"\"\",'=1+1\r\n");
    }
}
