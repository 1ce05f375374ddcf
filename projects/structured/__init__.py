"""Structured answers in the market dialogue: a call's numbered questions to the market and each response's
answer per question, compared question by question by the buyer (page, CSV and decision-support document)."""
