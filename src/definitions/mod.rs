//! Where the files are read and what they define: reading with bounds and located
//! problems (`files`), the file schema (`schema`), the scenario catalogue (`scenario`),
//! the dataset and its body cache (`data`), the generator (`generate`), the success
//! bodies' types (`wire`) and paging (`paging`), and transport faults (`fault`). Built
//! once per load; read-only while serving.

pub mod data;
pub mod fault;
pub mod files;
pub mod generate;
pub mod paging;
pub mod scenario;
pub mod schema;
pub mod wire;
