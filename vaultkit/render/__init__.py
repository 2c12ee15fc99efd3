"""Rendering: the generated notes as Markdown text, pure functions of the model."""
