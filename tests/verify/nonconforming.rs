//! A test-only connector with one switch per violation (being written).
