"""Answering questions from the curated knowledge base: topics, matching, text, evaluation."""
