"""The service other tools call: OpenAI-compatible chat with references, Dify's retrieval API, the library as
data, an MCP server, and the keys and limits in front of them (server.py puts them together)."""
