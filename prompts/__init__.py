"""Prompt files, installed as the data package ``assistant.prompt_files`` (mapped in pyproject.toml).

No code belongs here: this file only makes the folder a regular package, which importlib.resources
needs to read the YAML files from an editable install on Python 3.11 (a namespace package there
is not readable through importlib.resources).
"""
