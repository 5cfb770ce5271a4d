"""Choose the semantic triage thresholds on the development sets only (evals/triage/dev.jsonl and dev2.jsonl, and
the questions of the answer suites core and holdout).

The emergency threshold: the lowest classifier logit whose dev false-alarm rate (patterns and
classifier together) stays within the budget, i.e. the most recall the budget allows; with --budget-per-kind, within
the budget on each kind of dev message alone, the triage sets' and the answer suites' questions (tried 2026-12-04 and
not kept: fewer false alarms on the held-out sets, but more suicidal messages missed; docs/eval.md). The risk
threshold: the lowest logit that keeps the crisis note on at most 10% of routine dev questions, counted over
the triage sets and the answer suites' questions together (the everyday questions of core and holdout rarely
get the note, so each triage set alone runs above 10%). The pattern veto: VETO_MARGIN below the lowest logit
of a dev emergency that layer 1 (patterns and urgency cues) caught, and never above the risk threshold: a
pattern's emergency is overruled only where the classifier does not place the message even near a danger (a
classifier whose dev emergencies all score far above its thresholds would otherwise overrule every pattern it
does not flag itself). The three are chosen again with that veto, until they settle. The held-out sets (locked,
locked2, writer6, writer10, writer11, writer12, writer13; the answer suites unseen and fresh) are never read here, and naming
one is refused. Run from the repo root:

    .venv/bin/python evals/tools/tune_triage.py [--budget 0.02] [--show] [--budget-per-kind]

then copy the printed values (pattern_veto, emergency_threshold, risk_threshold) into [triage.semantic] of the profile.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ldn_assistant.assistant import Assistant
from ldn_assistant.evaluation.suites import load_suite
from ldn_assistant.evaluation.triage_eval import TUNED_ON, TriageCase, load_triage_suite
from ldn_assistant.safety import clean_question

ROUTINE_NOTE_BUDGET = 0.10
# The pattern veto sits this far (in logits) below the lowest-scoring dev emergency that layer 1 caught, so that it
# overrules only matches the classifier is far surer about than about any dev emergency (networks from other starts
# or another machine's rounding moved a message's logit by up to 0.15).
VETO_MARGIN = 1.0
# The product's own development suites: their questions are what the assistant meets day to day (jailbreaks and
# role-play requests among them), and a false alarm there blocks an answer just the same. The locked answer
# suites (unseen, fresh) are never read here.
ANSWER_DEV_SUITES = ("core", "holdout")


def answer_suite_cases(path: Path) -> list[TriageCase]:
    """An answer suite's questions as triage cases: emergencies where the suite expects that status, else routine."""
    return [TriageCase(c.id, c.user_input, "emergency" if c.expected_status == "emergency" else "routine", c.category) for c in load_suite(path).cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=0.02, help="most false alarms allowed on dev")
    parser.add_argument("--show", action="store_true", help="list dev misses and false alarms at the choice")
    parser.add_argument("--budget-per-kind", action="store_true", help="the budget holds on the triage sets and the answer suites alone")
    parser.add_argument("--dev", nargs="+", default=list(TUNED_ON), help="development sets in evals/triage/ (names without .jsonl)")
    parser.add_argument(
        "--answer-suites", nargs="*", default=list(ANSWER_DEV_SUITES), help="the product's development suites in evals/, whose questions count too"
    )
    args = parser.parse_args()
    held_out = sorted(set(args.dev) - set(TUNED_ON)) + sorted(set(args.answer_suites) - set(ANSWER_DEV_SUITES))
    if held_out:
        parser.error(f"not a development set: {', '.join(held_out)} (held-out sets are never tuned on)")
    assistant = Assistant.from_settings()
    cases = [case for name in args.dev for case in load_triage_suite(Path(f"evals/triage/{name}.jsonl"))]
    triage_messages = len(cases)
    cases += [case for name in args.answer_suites for case in answer_suite_cases(Path(f"evals/{name}.jsonl"))]
    detector, semantic = assistant.detector, assistant.detector.semantic
    pattern, near, logit = [], [], []
    for case in cases:
        text = clean_question(case.text, 10_000)
        screen = detector.screen(text)
        signal = screen.signal  # layer 1 alone (the classifier is scored below)
        pattern.append(signal.emergency)
        near.append(signal.crisis_note)
        rows = np.atleast_2d(assistant._embed_for_triage(text, screen.texts[1:])[1])  # the screen's sentences, as ask() does
        logit.append(float(semantic.logits(rows, screen.texts).max()))
    layer1, near_a, logit_a = np.array(pattern), np.array(near), np.array(logit)
    emergency = np.array([c.expected == "emergency" for c in cases])
    # Printed per kind: the triage sets' messages (the kind the locked half holds, many of them questions about the
    # same risks) and the answer suites' everyday questions, which rarely raise an alarm. Pooled (the default), the
    # everyday questions let the triage sets' own rate run above the budget; --budget-per-kind holds it on each.
    from_triage_sets = np.arange(len(cases)) < triage_messages
    kinds = {name: mask for name, mask in (("triage sets", from_triage_sets), ("answer suites", ~from_triage_sets)) if (mask & ~emergency).any()}
    budgeted = dict(kinds) if args.budget_per_kind else {"all": np.ones(len(cases), dtype=bool)}
    caught = layer1 & emergency
    veto = float(np.floor((logit_a[caught].min() - VETO_MARGIN) * 100) / 100) if caught.any() else -np.inf
    routine = np.array([c.expected == "routine" for c in cases])
    risk = ~emergency & ~routine
    print(f"layer 1 alone: recall {layer1[emergency].mean():.3f}, false alarms {layer1[~emergency].mean():.3f}")
    print("logits of layer 1's dev false alarms:", " ".join(f"{v:+.2f}" for v in np.sort(logit_a[layer1 & ~emergency])))
    for _ in range(5):
        pattern_a = layer1 & (logit_a >= veto)
        vetoed = layer1 & ~pattern_a
        noted = near_a | vetoed  # overruled, a message keeps the crisis note
        chosen, over = None, None  # over: the first rounded candidate past the budget
        for threshold in np.sort(np.unique(np.round(logit_a, 2)))[::-1]:
            flagged = pattern_a | (logit_a >= threshold)
            if any(flagged[kind & ~emergency].mean() > args.budget for kind in budgeted.values()):
                over = float(threshold)
                break
            chosen = (float(threshold), flagged)
        assert chosen is not None, "the patterns alone exceed the budget"
        threshold, flagged = chosen
        risk_threshold = threshold
        for step in np.arange(np.floor(logit_a.min()), threshold, 0.1):
            if (flagged | noted | (logit_a >= step))[routine].mean() <= ROUTINE_NOTE_BUDGET:
                risk_threshold = float(np.round(step, 2))
                break
        if veto <= risk_threshold:
            break
        veto = risk_threshold
    else:
        raise SystemExit(f"the veto did not settle in five rounds (last {veto:.2f}); nothing to copy into the profile")
    note = flagged | noted | (logit_a >= risk_threshold)
    print(f"pattern_veto = {veto:.2f}: overrules layer 1 on {int(vetoed[~emergency].sum())} of its {int(layer1[~emergency].sum())} dev false alarms")
    print(f"layer 1 with the veto: recall {pattern_a[emergency].mean():.3f}, false alarms {pattern_a[~emergency].mean():.3f}")
    per_kind = ", ".join(f"{name} {flagged[kind & ~emergency].mean():.3f}" for name, kind in kinds.items())
    print(f"emergency_threshold = {threshold:.2f}: recall {flagged[emergency].mean():.3f}, false alarms {flagged[~emergency].mean():.3f} ({per_kind})")
    print(f"risk_threshold = {risk_threshold:.2f}: crisis note on {note[risk].mean():.3f} of risk, {note[routine].mean():.3f} of routine")
    free = ~pattern_a  # the messages the threshold decides (layer 1 flags the rest whatever it is)
    below, above = logit_a[free & (logit_a < threshold)], logit_a[free & (logit_a >= threshold)]
    if over is not None and len(below) and len(above):
        # Candidates are logits rounded to two places, so the threshold can sit a hair above the message it shuts out,
        # and another machine's rounding of the encoder can move that message across it (docs/eval.md, "Triage: the
        # emergency threshold midway between two dev logits"). Shown so that whoever copies the value sees its room.
        print(
            f"room: the next message down scores {below.max():+.4f} (flagging down to {over:.2f} breaks the budget), "
            f"the lowest flagged {above.min():+.4f}; thresholds between the two make the same dev decisions"
        )
    if args.show:
        for case, hit, value in zip(cases, flagged, logit_a, strict=True):
            if hit != (case.expected == "emergency"):
                print(("MISS " if not hit else "FALSE") + f" {case.id} {case.category} {value:+.2f}: {case.text[:160]}")


if __name__ == "__main__":
    main()
