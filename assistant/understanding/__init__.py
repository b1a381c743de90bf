"""Understanding: a question → what it asks (conditions, numbers, the documents it names)."""
