//! User management: the list, search, edit, disable, delete, bulk actions.

pub mod view;
