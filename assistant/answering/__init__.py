"""Answering: route a understood question to exact rows, a unit, the document model or retrieval; write the answer with citations."""
