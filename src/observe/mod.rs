//! What is recorded: the request journal (`journal`), the metrics (`metrics`), the
//! non-blocking log sink (`logsink`) and the per-thread wall clock they stamp with
//! (`wall`). Nothing here changes an answer.

pub mod journal;
pub mod logsink;
pub mod metrics;
pub mod wall;
