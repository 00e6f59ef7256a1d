"""sse_client: a Server-Sent-Events client for LLM chat, in Python, for the browser (Pyodide)."""
