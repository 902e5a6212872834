//! `valence check SPEC.tla [--config FILE]`: loads a TLA+ specification through
//! `valence-tla` as a checkable model.

use std::path::Path;

use valence_protocols::catalog::Checkable;

/// Loads the TLA+ spec at `path` with its TLC configuration (`config`, by default `SPEC.cfg` next
/// to the spec), for a run with `settings`. Errors come back as `file:line:column: message`. PROPERTIES (or parts of them)
/// that cannot be checked are announced on stderr with the reason, so that nobody reads them as
/// holding.
pub fn load_checkable(
    path: &Path,
    config: Option<&Path>,
    settings: valence_tla::RunSettings,
) -> Result<Box<dyn Checkable>, String> {
    let model =
        valence_tla::load_with(path, config, settings).map_err(|error| error.to_string())?;
    for message in model.unchecked_properties() {
        eprintln!("note: PROPERTY {message}");
    }
    Ok(Box::new(model))
}
