"""A tiny question set for the evaluation harnesses: four stories and a question on each."""

from __future__ import annotations

# Each story shares a word with another ("erupted", "jobs", "reopened", "ended"), so a
# question asked without its own story still finds something to (wrongly) answer with.
STORIES = {
    "volcano.txt": ("Volcano erupts", "The Katla volcano erupted in Iceland on Monday. "
                    "The eruption ended a quiet decade."),
    "bridge.txt": ("Bridge reopens", "Mayor Ana Lopez reopened the Tagus bridge in Lisbon, "
                   "saving 300 jobs."),
    "chips.txt": ("Chip plant", "A chip plant opened in Dresden, creating 1,200 jobs. "
                  "A road was reopened for trucks."),
    "final.txt": ("Cup final", "Fans erupted as the cup final in Glasgow ended 2-2."),
}  # fmt: skip
#: (question, gold answer, article) for each story.
QUESTIONS = [
    ("Where did the Katla volcano erupt?", "Iceland", "volcano.txt"),
    ("Who reopened the Tagus bridge?", "Ana Lopez", "bridge.txt"),
    ("How many jobs did the Dresden chip plant create?", "1,200", "chips.txt"),
    ("How did the Glasgow cup final end?", "2-2", "final.txt"),
]
