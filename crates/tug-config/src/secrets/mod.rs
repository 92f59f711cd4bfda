//! `.kamal/secrets*` files (placeholder: being written).
