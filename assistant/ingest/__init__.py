"""Ingest: files → raw blocks (readers/) → one document model (structure, tables, responsibility, metadata)."""
