"""Package discovery only; the project's metadata lives in pyproject.toml.

``prompts/`` stays at the repository's top level, and ships inside the wheel as the data package
``assistant.prompt_files`` (``assistant.prompts`` reads it through importlib.resources, in a
checkout and in an installed wheel alike). pyproject.toml cannot add a package that lives outside
its import path to the ones it discovers, so the list is built here.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["recsys_core*", "retrieval*", "assistant*"]),
        "assistant.prompt_files",
    ],
    package_dir={"assistant.prompt_files": "prompts"},
)
