"""URL validation and normalisation, shared by the catalog and suggestions."""
