//! The README's metric reference against the contract table in `src/exposition/families/`: the same
//! families, in the same order, with the same types, groups and platforms ("—" exactly
//! where the table says there is no series), so the two cannot drift apart. Also every
//! setting of `--help` is in the README's configuration table.

use docker_stats_exporter::{CONTAINER_FAMILIES, EXPORTER_FAMILIES, ErrorType, Kind};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The section under `## <title>`, up to the next `## `.
fn section(text: &str, title: &str) -> String {
    let start = text
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("no ## {title} in the README"));
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    rest[..end].to_string()
}

/// The rows of every table in `text` whose first cell is a backticked family name, as
/// cells.
fn family_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_string())
                .collect()
        })
        .collect()
}

fn kind_name(kind: Kind) -> &'static str {
    kind.name()
}

#[test]
fn the_readme_documents_every_family_as_the_table_has_it() {
    let metrics = section(&readme(), "Metrics");
    let rows = family_rows(&metrics);
    let (container_rows, other_rows): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r.len() == 6);

    let documented: Vec<&str> = container_rows
        .iter()
        .map(|r| r[0].trim_matches('`'))
        .collect();
    let coded: Vec<&str> = CONTAINER_FAMILIES.iter().map(|f| f.name).collect();
    assert_eq!(
        documented, coded,
        "container families: README (left), the family tables (right)"
    );

    for (row, family) in container_rows.iter().zip(CONTAINER_FAMILIES) {
        let name = family.name;
        assert_eq!(row[1], kind_name(family.kind), "{name}: type");
        let group = family.group.map_or("always", |g| g.name());
        assert_eq!(row[2], group, "{name}: group");
        for (column, header, has_series) in [
            (3, "Linux cgroup v1", family.platforms.linux_cgroup_v1),
            (4, "Linux cgroup v2", family.platforms.linux_cgroup_v2),
            (5, "Windows", family.platforms.windows),
        ] {
            let cell = &row[column];
            assert_eq!(
                !cell.starts_with('—'),
                has_series,
                "{name} on {header}: the README says {cell:?}"
            );
        }
    }

    let documented: Vec<&str> = other_rows.iter().map(|r| r[0].trim_matches('`')).collect();
    let coded: Vec<&str> = EXPORTER_FAMILIES.iter().map(|f| f.name).collect();
    assert_eq!(
        documented, coded,
        "engine and exporter families: README, the family tables"
    );
    for (row, family) in other_rows.iter().zip(EXPORTER_FAMILIES) {
        assert_eq!(row[1], kind_name(family.kind), "{}: type", family.name);
    }
}

#[test]
fn every_setting_is_in_the_readme() {
    use clap::CommandFactory;
    let configuration = section(&readme(), "Configuration");
    let command = docker_stats_exporter::Args::command();
    for arg in command.get_arguments() {
        let Some(env) = arg.get_env() else {
            continue;
        };
        let env = env.to_string_lossy();
        let flag = format!("`--{}`", arg.get_long().unwrap());
        assert!(
            configuration.contains(&format!("| `{env}` | {flag} |")),
            "{env} ({flag}) is not in the README's configuration table"
        );
    }
}

#[test]
fn every_error_kind_is_in_the_readme_and_in_the_tests_list() {
    let text = readme();
    let labels: Vec<&str> = ErrorType::ALL.iter().map(|kind| kind.label()).collect();
    assert_eq!(
        labels,
        support::exposition::ERROR_TYPES,
        "tests/support/exposition.rs"
    );
    let kinds = text
        .split("Error kinds (`docker_exporter_scrape_errors_total{error_type}`):")
        .nth(1)
        .expect("the README's paragraph of error kinds");
    let paragraph = kinds.split("\n\n").next().unwrap();
    for label in labels {
        assert!(
            paragraph.contains(&format!("`{label}` –")),
            "error kind {label} is not explained in the README"
        );
    }
}
