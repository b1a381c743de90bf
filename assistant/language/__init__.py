"""The domain language in one place: Chinese numerals, cue words (as data in assistant/data/cues.json)."""
