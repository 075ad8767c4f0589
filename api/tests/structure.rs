//! The shape of `api/src`, checked on every `make lint`:
//!
//! - layers: no `routes::x` imports `routes::y`, services import no route,
//!   `error.rs` imports no route or service;
//! - every feature folder of `routes/` says in its `mod.rs` what it is;
//! - no file of `api/src` or `persistence/src` is over 600 lines;
//! - every route is registered through `crate::operations` (so it is in the
//!   contract), and every operation annotated for the contract is registered.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file below `dir`, as (path relative to `src/`, text).
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(source_root()).unwrap_or(&path).to_string_lossy().into_owned();
                found.push((relative, fs::read_to_string(&path).unwrap_or_default()));
            }
        }
    }
    found.sort();
    found
}

/// The modules named after `prefix` (`crate::routes::`), with braces
/// expanded one level: `crate::routes::{a, b::c}` names `a` and `b`.
fn named_after(text: &str, prefix: &str) -> Vec<(usize, String)> {
    let mut names = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            rest = &rest[at + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let name = item.trim().split("::").next().unwrap_or("").trim().to_owned();
                    if !name.is_empty() {
                        names.push((number + 1, name));
                    }
                }
            } else {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                names.push((number + 1, name));
            }
        }
    }
    names
}

/// The feature a file under `routes/` belongs to: its folder, or the file's
/// own name for a single-file module.
fn feature_of(relative: &str) -> Option<String> {
    let rest = relative.strip_prefix("routes/")?;
    let first = rest.split('/').next()?;
    Some(first.trim_end_matches(".rs").to_owned())
}

#[test]
fn layers_point_one_way() {
    let mut faults = Vec::new();
    for (file, text) in sources(&source_root()) {
        let routes = named_after(&text, "crate::routes::");
        if let Some(own) = feature_of(&file) {
            for (line, name) in &routes {
                if *name == own {
                    faults.push(format!("{file}:{line}: name the rest of the feature `{own}` through `super::`"));
                } else {
                    faults.push(format!("{file}:{line}: the route feature `{own}` imports `routes::{name}`"));
                }
            }
            for (line, _) in named_after(&text, "super::super::") {
                faults.push(format!("{file}:{line}: reaches out of its feature with `super::super`"));
            }
        }
        if file.starts_with("services/") {
            for (line, name) in &routes {
                faults.push(format!("{file}:{line}: a service imports `routes::{name}`"));
            }
        } else if feature_of(&file).is_none() {
            // Outside the routes only the assembly (start-up, contract) names
            // them, and only through their one list of operations.
            for (line, name) in routes.iter().filter(|(_, name)| !matches!(name.as_str(), "operations" | "fallback")) {
                faults.push(format!("{file}:{line}: `{file}` imports `routes::{name}`"));
            }
        }
        if file == "error.rs" {
            for (line, name) in routes.iter().chain(&named_after(&text, "crate::services::")) {
                faults.push(format!("{file}:{line}: error.rs imports `{name}`"));
            }
        }
    }
    assert!(faults.is_empty(), "layering broken:\n{}", faults.join("\n"));
}

#[test]
fn no_source_file_is_over_the_limit() {
    // The HTTP layer and the storage layer; `domain` still has three long
    // rule modules (SCIM filters, branding, onboarding) to split.
    let persistence = Path::new(env!("CARGO_MANIFEST_DIR")).join("../persistence/src");
    let long: Vec<String> = sources(&source_root())
        .into_iter()
        .chain(sources(&persistence))
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(file, text)| format!("{file}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines; split them by concept:\n{}", long.join("\n"));
}

#[test]
fn every_feature_folder_says_what_it_is() {
    let mut faults = Vec::new();
    let entries = fs::read_dir(source_root().join("routes"));
    assert!(entries.is_ok(), "no routes folder");
    for entry in entries.into_iter().flatten().flatten() {
        if !entry.path().is_dir() {
            continue;
        }
        let module = entry.path().join("mod.rs");
        let text = fs::read_to_string(&module).unwrap_or_default();
        if !text.lines().next().is_some_and(|first| first.starts_with("//! ") && first.len() > 20) {
            faults
                .push(format!("{}: mod.rs must open with a doc sentence saying what the feature is", module.display()));
        }
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

/// Ways of serving a route that bypass `Operations::add`.
const ROUTE_MAKERS: [&str; 10] = [
    "web::resource(",
    "web::scope(",
    "web::route(",
    "web::get()",
    "web::post()",
    "web::put()",
    "web::patch()",
    "web::delete()",
    "#[get(",
    "#[post(",
];

/// Files allowed to make routes themselves: the registration itself, the
/// start-up (docs and fallbacks) and SCIM (RFC 7644, outside the contract).
fn may_make_routes(file: &str) -> bool {
    file == "operations.rs" || file == "startup.rs" || file.starts_with("scim/")
}

#[test]
fn every_route_is_registered_with_its_contract_entry() {
    let mut faults = Vec::new();
    let mut annotated = BTreeSet::new();
    for (file, text) in sources(&source_root()) {
        for (number, line) in text.lines().enumerate() {
            if !may_make_routes(&file) && ROUTE_MAKERS.iter().any(|maker| line.contains(maker)) {
                faults.push(format!(
                    "{file}:{}: serves a route outside `Operations::add`, so it would escape the contract: {}",
                    number + 1,
                    line.trim()
                ));
            }
        }
        for block in text.split("#[utoipa::path(").skip(1) {
            let id = block.split("operation_id = \"").nth(1).and_then(|rest| rest.split('"').next());
            match id {
                Some(id) => {
                    annotated.insert(id.to_owned());
                }
                None => faults.push(format!("{file}: a #[utoipa::path] without an operation_id")),
            }
        }
    }
    let registered: BTreeSet<String> = api::routes::operations().list().into_iter().map(|(_, _, id)| id).collect();
    for id in annotated.difference(&registered) {
        faults.push(format!("operation `{id}` has a contract annotation but is not registered, so it is not served"));
    }
    for id in registered.difference(&annotated) {
        faults.push(format!("operation `{id}` is registered but no annotation in api/src declares it"));
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[test]
fn the_readme_error_table_is_the_registry() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap_or_default();
    let start = "<!-- problem codes: made from api/src/problems.rs; a test fails when they differ -->\n";
    let end = "  <!-- end of problem codes -->";
    let table = readme.split(start).nth(1).and_then(|rest| rest.split(end).next()).unwrap_or_default();
    let expected: String =
        api::problems::ProblemCode::readme_table().lines().map(|line| format!("  {line}\n")).collect();
    assert!(table == expected, "README's error table differs from the registry; replace it with:\n{expected}");
}
