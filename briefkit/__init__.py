"""briefkit: compile a briefing from Markdown and YAML into PDF, DOCX and HTML."""

__version__ = "0.1.0"
