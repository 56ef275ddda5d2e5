"""NLU cross-validation with a per-language report: `make nlu-report`.

Splits every language's examples of every intent into k folds, trains the NLU part of config.yml on
k-1 folds of all languages together (as the real model is trained), predicts the held-out fold,
and reports intent macro-F1 per language (and per intent) into reports/nlu-<date>.md and .json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path

import yaml
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "bot" / "data" / "nlu"
REPORTS = ROOT / "reports"


def load_examples() -> list[tuple[str, str, str]]:
    """(language, intent, text) for every NLU example, each text once.

    A text written twice (in two languages, or differing only in case) would otherwise land in a
    training fold and a test fold at the same time and flatter the score.
    """
    examples = []
    seen: set[str] = set()
    for path in sorted(NLU_DIR.glob("*/*.yml")):
        language = path.parent.name
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in block["examples"].splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text and text.casefold() not in seen:
                    seen.add(text.casefold())
                    examples.append((language, block["intent"], text))
    return examples


def folds(examples: list, k: int, seed: int) -> list[list[int]]:
    """Stratified by (language, intent): each fold gets its share of every group."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (language, intent, _) in enumerate(examples):
        groups[(language, intent)].append(i)
    result: list[list[int]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    for indices in groups.values():
        rng.shuffle(indices)
        for j, index in enumerate(indices):
            result[j % k].append(index)
    return result


def write_nlu(examples: list, indices: list[int], path: Path) -> None:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for i in indices:
        by_intent[examples[i][1]].append(examples[i][2])
    data = {
        "version": "3.1",
        "nlu": [{"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)}
                for intent, texts in by_intent.items()],
    }  # fmt: skip
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


async def predict(model: str, texts: list[str]) -> list[tuple[str, str]]:
    """(intent after the fallback threshold, the classifier's own best intent) per text."""
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        ranking = [
            r["name"] for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"
        ]
        final = (parsed.get("intent") or {}).get("name") or "none"
        predictions.append((final, ranking[0] if ranking else final))
    return predictions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="5 as `rasa test nlu` does")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml", help="to compare")
    args = parser.parse_args()

    from rasa.model_training import train_nlu

    examples = load_examples()
    predicted: dict[int, str] = {}
    classified: dict[int, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n, test in enumerate(folds(examples, args.folds, args.seed), 1):
            train = sorted(set(range(len(examples))) - set(test))
            data = Path(tmp) / f"train_{n}.yml"
            write_nlu(examples, train, data)
            print(
                f"fold {n}/{args.folds}: training on {len(train)}, testing {len(test)}", flush=True
            )
            model = train_nlu(str(args.config), str(data), tmp, fixed_model_name=f"fold{n}")
            labels = asyncio.run(predict(model, [examples[i][2] for i in test]))
            predicted.update(zip(test, (final for final, _ in labels), strict=True))
            classified.update(zip(test, (best for _, best in labels), strict=True))

    report: dict = {"folds": args.folds, "examples": len(examples), "languages": {}}
    title = f"# NLU cross-validation ({args.folds} folds, {len(examples)} examples, {date.today()})"
    lines = [
        title,
        "",
        "Macro-F1 counts an answer below the FallbackClassifier threshold (`nlu_fallback`:",
        "Lotse asks again and offers a counsellor) as wrong; the classifier's column takes",
        "its best intent.",
        "",
        "| language | examples | intent macro-F1 | accuracy | classifier macro-F1 | fallback |",
        "|---|---|---|---|---|---|",
    ]
    for language in sorted({e[0] for e in examples}):
        idx = [i for i, e in enumerate(examples) if e[0] == language]
        truth = [examples[i][1] for i in idx]
        guess = [predicted[i] or "none" for i in idx]
        macro = f1_score(truth, guess, average="macro", labels=sorted(set(truth)))
        best = [classified[i] for i in idx]
        classifier_macro = f1_score(truth, best, average="macro", labels=sorted(set(truth)))
        fallback_rate = sum(g == "nlu_fallback" for g in guess) / len(guess)
        per_intent = f1_score(truth, guess, average=None, labels=sorted(set(truth)))
        accuracy = sum(t == g for t, g in zip(truth, guess, strict=True)) / len(truth)
        errors = [
            {"text": examples[i][2], "intent": examples[i][1], "predicted": predicted[i]}
            for i in idx if predicted[i] != examples[i][1]
        ]  # fmt: skip
        report["languages"][language] = {
            "macro_f1": round(macro, 4), "accuracy": round(accuracy, 4),
            "classifier_macro_f1": round(classifier_macro, 4),
            "fallback_rate": round(fallback_rate, 4),
            "per_intent_f1": {
                intent: round(f1, 4)
                for intent, f1 in zip(sorted(set(truth)), per_intent, strict=True)
            },
            "errors": errors,
        }  # fmt: skip
        lines.append(
            f"| {language} | {len(idx)} | {macro:.3f} | {accuracy:.3f} | {classifier_macro:.3f} "
            f"| {fallback_rate:.3f} |"
        )
    REPORTS.mkdir(exist_ok=True)
    suffix = "" if args.config == ROOT / "config.yml" else f"-{args.config.stem}"
    stem = REPORTS / f"nlu-{date.today()}{suffix}"
    stem.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwritten: {stem}.md, {stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
