//! The ERB subset that real `deploy.yml` files use (placeholder: being written).
