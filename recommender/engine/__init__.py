"""Rulesets: load and check rules/*.yaml, compile them to durable_rules, evaluate answers.

No Flask imports here; only `recommender.engine.durable` touches durable_rules.
"""
