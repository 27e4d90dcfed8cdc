"""Shelfwise's application layer: what users run, over the engines in ``retrieval`` and ``recsys_core``.

One service per workspace, ``assistant.service.ShelfwiseService``, loads the store, recommender,
searcher, knowledge base, rules and strategy engine once; everything else here is an adapter
over it: the ``shelfwise`` command line (``assistant.cli``), the REST API (``assistant.api``),
the Gradio app (``assistant.ui``) and the chat assistant with its tools and LLM backends
(``assistant.agent``, ``assistant.llm``, prompts loaded by ``assistant.prompts``).

Imports flow one way: ``assistant`` -> ``retrieval``, ``recsys_core``; neither imports this
package. Importing ``assistant`` itself imports nothing else (no torch, chromadb, gradio or
LangChain): reach a part through its own module.
"""
