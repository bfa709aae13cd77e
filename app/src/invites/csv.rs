//! Bulk invitations from CSV: the rows as typed, what can be wrong with one, and the summary
//! offered for download. Reading the text (server only) uses the `csv` crate; the checks that
//! need no database are here too, so they are unit-tested on their own.

use crate::domain::{may_grant, Email, Permission, PersonName, Role};
use serde::{Deserialize, Serialize};

/// Most data rows one file may hold.
pub const MAX_ROWS: usize = 5_000;
/// Rows queued per server call: each call is one transaction, and the progress bar moves
/// once per call.
pub const CHUNK_ROWS: usize = 100;
/// The columns, in the order a file without a header has them.
pub const COLUMNS: [&str; 4] = ["email", "first_name", "last_name", "role"];

/// One data row as typed (trimmed), with its line in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvRow {
    pub line: u64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    /// The row has more fields than there are columns.
    #[serde(default)]
    pub extra_fields: bool,
}

/// Why a row is not sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowProblem {
    ExtraFields,
    BadEmail(String),
    BadName(String),
    MissingRole,
    UnknownRole(String),
    /// The inviter may not grant this role.
    MayNotGrant(Role),
    AlreadyUser,
    AlreadyInvited,
    /// The same email appears on an earlier line.
    Duplicate(u64),
}

impl RowProblem {
    pub fn message(&self) -> String {
        match self {
            RowProblem::ExtraFields => "Too many fields: expected email, first_name, last_name, role.".into(),
            RowProblem::BadEmail(why) | RowProblem::BadName(why) => why.clone(),
            RowProblem::MissingRole => "No role given.".into(),
            RowProblem::UnknownRole(role) => format!("Unknown role “{role}”."),
            RowProblem::MayNotGrant(role) => format!("You may not invite a {}.", role.label()),
            RowProblem::AlreadyUser => "A user with this email already exists.".into(),
            RowProblem::AlreadyInvited => "This email already has a pending invitation.".into(),
            RowProblem::Duplicate(line) => format!("Duplicate of line {line}."),
        }
    }
}

/// A row as previewed: its role if it names one, and its problem if it will not be sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub row: CsvRow,
    pub role: Option<Role>,
    pub problem: Option<RowProblem>,
}

/// Every row of a file, checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvPreview {
    pub rows: Vec<PreviewRow>,
}

impl CsvPreview {
    pub fn sendable(&self) -> impl Iterator<Item = &PreviewRow> {
        self.rows.iter().filter(|r| r.problem.is_none())
    }
}

/// What became of one row of a chunk, in the chunk's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcome {
    Sent,
    Skipped(RowProblem),
}

/// A role by its code (`read_only`) or its name (`Read Only`), in any case.
pub fn role_named(text: &str) -> Option<Role> {
    let key = |s: &str| -> String {
        s.trim()
            .chars()
            .map(|c| {
                if c == ' ' || c == '-' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    };
    let wanted = key(text);
    Role::ALL
        .into_iter()
        .find(|role| key(role.code()) == wanted || key(role.label()) == wanted)
}

/// A row that passed every check that needs no database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedRow {
    pub email: Email,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
}

/// The checks of one row that need no database: its fields, and whether `permissions` may
/// grant its role (the same rule as one invitation, `may_grant`). Also returns the role it
/// names, if any, for the preview.
pub fn check_row(row: &CsvRow, permissions: &[Permission]) -> (Option<Role>, Result<CheckedRow, RowProblem>) {
    let role = role_named(&row.role);
    let checked = (|| {
        if row.extra_fields {
            return Err(RowProblem::ExtraFields);
        }
        let email = Email::parse(&row.email).map_err(|e| RowProblem::BadEmail(e.message))?;
        let name = |field: &'static str, label: &str, raw: &str| -> Result<String, RowProblem> {
            if raw.is_empty() {
                return Ok(String::new());
            }
            PersonName::parse(field, label, raw)
                .map(|n| n.as_str().to_string())
                .map_err(|e| RowProblem::BadName(e.message))
        };
        let first_name = name("first_name", "First name", &row.first_name)?;
        let last_name = name("last_name", "Last name", &row.last_name)?;
        let role = match (row.role.is_empty(), role) {
            (true, _) => return Err(RowProblem::MissingRole),
            (false, None) => return Err(RowProblem::UnknownRole(row.role.clone())),
            (false, Some(role)) => role,
        };
        if !may_grant(permissions, role) {
            return Err(RowProblem::MayNotGrant(role));
        }
        Ok(CheckedRow {
            email,
            first_name,
            last_name,
            role,
        })
    })();
    (role, checked)
}

/// Rows (no header) as CSV text: what the browser sends back, a chunk at a time.
pub fn rows_to_csv<'a>(rows: impl IntoIterator<Item = &'a CsvRow>) -> String {
    let mut out = String::new();
    for row in rows {
        let fields = [&row.email, &row.first_name, &row.last_name, &row.role];
        push_record(&mut out, fields.iter().map(|f| f.as_str()), false);
    }
    out
}

/// The summary a user downloads: every row of the file with what became of it.
pub fn summary_csv<'a>(rows: impl IntoIterator<Item = (&'a CsvRow, Option<String>)>) -> String {
    let mut out = String::new();
    let header = ["line", "email", "first_name", "last_name", "role", "outcome", "reason"];
    push_record(&mut out, header.into_iter(), false);
    for (row, skipped) in rows {
        let line = row.line.to_string();
        let outcome = if skipped.is_some() { "skipped" } else { "sent" };
        let reason = skipped.unwrap_or_default();
        let fields = [
            line.as_str(),
            &row.email,
            &row.first_name,
            &row.last_name,
            &row.role,
            outcome,
            &reason,
        ];
        push_record(&mut out, fields.into_iter(), true);
    }
    out
}

/// One CSV record, each field quoted when it must be. With `for_spreadsheets`, a field a
/// spreadsheet would take for a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.
fn push_record<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>, for_spreadsheets: bool) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let formula = for_spreadsheets && field.starts_with(['=', '+', '-', '@']);
        let prefix = if formula { "'" } else { "" };
        if field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ') {
            out.push('"');
            out.push_str(prefix);
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(prefix);
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

/// How the first record is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header {
    /// A header if it names the `email` column (then its column names set the order).
    Detect,
    /// Every record is data.
    Absent,
}

/// Why a file cannot be read at all (shown to the user; the request is refused with 400).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileProblem {
    Empty,
    TooManyRows,
    UnknownColumn(String),
    Unreadable(String),
}

impl FileProblem {
    pub fn message(&self) -> String {
        match self {
            FileProblem::Empty => "The CSV has no rows.".into(),
            FileProblem::TooManyRows => format!("The CSV has more than {MAX_ROWS} rows: split it into smaller files."),
            FileProblem::UnknownColumn(name) => {
                format!("Unknown column “{name}” in the header: use email, first_name, last_name and role.")
            }
            FileProblem::Unreadable(why) => format!("The CSV cannot be read: {why}"),
        }
    }
}

/// The data rows of `text`, blank lines left out.
#[cfg(feature = "ssr")]
pub fn parse(text: &str, header: Header, max_rows: usize) -> Result<Vec<CsvRow>, FileProblem> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    // For each column of the file, which of `COLUMNS` it is (None: ignored).
    let mut order: Vec<Option<usize>> = (0..COLUMNS.len()).map(Some).collect();
    let mut rows = Vec::new();
    let mut first = true;
    let mut lines = LineCounter {
        text: text.as_bytes(),
        byte: 0,
        line: 1,
    };
    for record in reader.records() {
        let record = record.map_err(|e| FileProblem::Unreadable(e.to_string()))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if std::mem::take(&mut first)
            && header == Header::Detect
            && record.iter().any(|f| f.eq_ignore_ascii_case("email"))
        {
            order = header_order(&record)?;
            continue;
        }
        if rows.len() == max_rows {
            return Err(FileProblem::TooManyRows);
        }
        let byte = record.position().map_or(0, |p| p.byte() as usize);
        let mut row = CsvRow {
            line: lines.line_at(byte),
            ..CsvRow::default()
        };
        for (i, value) in record.iter().enumerate() {
            let target = match order.get(i) {
                Some(Some(column)) => column,
                Some(None) => continue,
                None => {
                    row.extra_fields |= !value.is_empty();
                    continue;
                }
            };
            let slot = match target {
                0 => &mut row.email,
                1 => &mut row.first_name,
                2 => &mut row.last_name,
                _ => &mut row.role,
            };
            *slot = value.to_string();
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(FileProblem::Empty);
    }
    Ok(rows)
}

/// Line numbers of records, counted from their byte offsets as the file is read (the `csv`
/// crate's own line count leaves out blank lines, so it would not match an editor's).
#[cfg(feature = "ssr")]
struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

#[cfg(feature = "ssr")]
impl LineCounter<'_> {
    /// The line a record found at `byte` starts on (blank lines before it skipped).
    fn line_at(&mut self, byte: usize) -> u64 {
        let mut start = byte.min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        let from = self.byte.min(start);
        self.line += self.text[from..start].iter().filter(|b| **b == b'\n').count() as u64;
        self.byte = start;
        self.line
    }
}

/// The header's columns, each one of `COLUMNS` (names as in `role_named`: any case, spaces).
#[cfg(feature = "ssr")]
fn header_order(record: &::csv::StringRecord) -> Result<Vec<Option<usize>>, FileProblem> {
    record
        .iter()
        .map(|name| {
            let key = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
            match COLUMNS.iter().position(|c| *c == key) {
                Some(i) => Ok(Some(i)),
                None if key.is_empty() => Ok(None),
                None => Err(FileProblem::UnknownColumn(name.to_string())),
            }
        })
        .collect()
}

/// Marks each row whose email appeared on an earlier row (compared as parsed, so case and
/// spaces do not hide a duplicate). `emails[i]` is row i's parsed email, if it has one.
pub fn duplicates(emails: &[Option<&Email>], lines: &[u64]) -> Vec<Option<u64>> {
    let mut seen: std::collections::HashMap<&Email, u64> = std::collections::HashMap::new();
    emails
        .iter()
        .zip(lines)
        .map(|(email, line)| {
            let email = (*email)?;
            match seen.get(email) {
                Some(first) => Some(*first),
                None => {
                    seen.insert(email, *line);
                    None
                }
            }
        })
        .collect()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn admin() -> Vec<Permission> {
        Role::Administrator.permissions().to_vec()
    }

    #[test]
    fn a_header_is_optional_and_sets_the_column_order() {
        let plain = parse(
            "ada@example.com,Ada,Lovelace,admin\n\nbob@example.com,,,analyst\n",
            Header::Detect,
            10,
        )
        .unwrap();
        assert_eq!(plain.len(), 2);
        assert_eq!((plain[0].line, plain[1].line), (1, 3));
        assert_eq!(plain[1].role, "analyst");
        let quoted_newline = parse(
            "\n\"a@example.com\",\"Two\nLines\",,analyst\n\n\nb@example.com,,,analyst\n",
            Header::Detect,
            10,
        )
        .unwrap();
        assert_eq!((quoted_newline[0].line, quoted_newline[1].line), (2, 6));
        let with_header = parse(
            "Role, Email ,first_name\r\nRead Only,cy@example.com,Cy\r\n",
            Header::Detect,
            10,
        )
        .unwrap();
        assert_eq!(with_header.len(), 1);
        assert_eq!(with_header[0].email, "cy@example.com");
        assert_eq!(with_header[0].role, "Read Only");
        assert_eq!(with_header[0].first_name, "Cy");
        assert_eq!(with_header[0].line, 2);
        assert_eq!(
            parse("email,nickname\n", Header::Detect, 10),
            Err(FileProblem::UnknownColumn("nickname".into()))
        );
        // A chunk is data only, even if a row's email reads "email".
        assert_eq!(parse("email,a,b,c\n", Header::Absent, 10).unwrap()[0].email, "email");
    }

    #[test]
    fn quotes_limits_and_extra_fields() {
        let rows = parse(
            "\"d@example.com\",\"O'Brien, Jr\",\"Say \"\"hi\"\"\",analyst,extra\n",
            Header::Detect,
            10,
        )
        .unwrap();
        assert_eq!(rows[0].first_name, "O'Brien, Jr");
        assert_eq!(rows[0].last_name, "Say \"hi\"");
        assert!(rows[0].extra_fields);
        assert_eq!(parse("\n \n", Header::Detect, 10), Err(FileProblem::Empty));
        let many = "a@example.com,,,analyst\n".repeat(11);
        assert_eq!(parse(&many, Header::Detect, 10), Err(FileProblem::TooManyRows));
        assert_eq!(
            parse(&"a@example.com,,,analyst\n".repeat(10), Header::Detect, 10)
                .unwrap()
                .len(),
            10
        );
    }

    #[test]
    fn each_row_problem_that_needs_no_database() {
        let row = |email: &str, first: &str, role: &str| CsvRow {
            line: 1,
            email: email.into(),
            first_name: first.into(),
            role: role.into(),
            ..CsvRow::default()
        };
        let problem = |r: CsvRow, p: &[Permission]| check_row(&r, p).1.err();
        assert_eq!(problem(row("Ann@Example.com", "Ann", "Analyst"), &admin()), None);
        assert_eq!(
            check_row(&row("ann@example.com", "", "read-only"), &admin()).0,
            Some(Role::ReadOnly)
        );
        assert!(matches!(
            problem(row("not-an-email", "", "analyst"), &admin()),
            Some(RowProblem::BadEmail(_))
        ));
        assert!(matches!(
            problem(row("a@example.com", &"x".repeat(101), "analyst"), &admin()),
            Some(RowProblem::BadName(_))
        ));
        assert_eq!(
            problem(row("a@example.com", "", ""), &admin()),
            Some(RowProblem::MissingRole)
        );
        assert_eq!(
            problem(row("a@example.com", "", "root"), &admin()),
            Some(RowProblem::UnknownRole("root".into()))
        );
        assert_eq!(
            problem(row("a@example.com", "", "global_admin"), &admin()),
            Some(RowProblem::MayNotGrant(Role::GlobalAdministrator))
        );
        let global = Role::GlobalAdministrator.permissions();
        assert_eq!(problem(row("a@example.com", "", "Global Administrator"), global), None);
        let extra = CsvRow {
            extra_fields: true,
            ..row("a@example.com", "", "analyst")
        };
        assert_eq!(problem(extra, &admin()), Some(RowProblem::ExtraFields));
    }

    #[test]
    fn duplicates_point_at_the_first_line() {
        let a = Email::parse("a@example.com").unwrap();
        let a_again = Email::parse(" A@Example.com").unwrap();
        let b = Email::parse("b@example.com").unwrap();
        let marks = duplicates(&[Some(&a), None, Some(&b), Some(&a_again)], &[2, 3, 4, 5]);
        assert_eq!(marks, vec![None, None, None, Some(2)]);
    }

    #[test]
    fn csv_out_round_trips_and_defuses_formulas() {
        let row = CsvRow {
            line: 7,
            email: "=cmd@example.com".into(),
            first_name: "Ann, \"A\"".into(),
            role: "analyst".into(),
            ..CsvRow::default()
        };
        let back = parse(&rows_to_csv([&row]), Header::Absent, 10).unwrap();
        assert_eq!(
            (back[0].email.as_str(), back[0].first_name.as_str()),
            ("=cmd@example.com", "Ann, \"A\"")
        );
        let summary = summary_csv([(&row, Some("Bad, very".to_string()))]);
        assert!(summary.starts_with("line,email,first_name,last_name,role,outcome,reason\r\n"));
        assert!(
            summary.contains("7,'=cmd@example.com,\"Ann, \"\"A\"\"\",,analyst,skipped,\"Bad, very\"\r\n"),
            "{summary}"
        );
    }
}
