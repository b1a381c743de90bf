"""Library: the catalogue of documents and their units in an embedded database, kept in step with a folder."""
