"""Coaching that rests on evidence: the candidate's own sentences, labelled and measured by code.

A small local model cannot be trusted to write a free-form judgement, so the report is built from
checkable parts: each sentence of the answer is labelled situation / task / action / result / other
(`evidence`), each component's coverage follows from what its sentences hold (`coverage`), relevance
from the question and answer (`relevance`), and advice (`recommendations`), the example answer
(`improved_answer`) and resume suggestions only ever repeat facts the candidate gave (`facts`).
The design and its measured agreement with hand labels are in docs/coaching.md.
"""
