"""Bulk CSV import and export: the file format (columns, reading, writing) as pure code.

The use cases live in trackline.services.imports / trackline.services.exports; the bucket and
queue in trackline.outbound.import_files; the import state in trackline.repository.imports.
"""
