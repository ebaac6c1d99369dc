"""A community's advert model taught by the rules on its own unlabelled chat (self-training).

Why: a model trained on one source of spam does not find another's (issue 16's cross-source
figures: recall 0.67 zh, 0.74 en, precision 0.81 on English SMS with a model of YouTube
comments), and a new community has few or no managers' decisions to learn from. It does have
its chat. The rules are precise (0.98 on every source) but miss the adverts that say nothing
they know; those adverts share words with the ones the rules do catch — the same casino, the
same channel, the same "add me" — so a model that learns from the rules' confident verdicts on
this community's own messages learns *this* community's spam vocabulary.

The teaching, all on the community's messages and no label of theirs:

1. Pseudo-labels from the rules: a score of at least :data:`SURE_ADVERT` says advert, below
   :data:`SURE_CLEAN` says not; messages in between teach nothing (one promotion word is not a
   verdict either way).
2. A model is trained on those plus any labelled examples (a public labelled set of the same
   language, the managers' decisions) — on their words, not the rules' signals — with its
   threshold chosen for precision out of fold on the community's own messages
   (``calibrate.calibrated``; see :func:`self_trained`), counting the rules' own errors
   as often as they err on the labelled examples (:func:`rules_precision`). Labels from
   elsewhere weigh a share of the chat all together, chosen among :data:`SHARES` by how well
   the model then predicts the community's own taught messages out of fold, so that they
   teach words the chat is silent on and do not outvote it.
3. :data:`ROUNDS` more times: the messages are labelled again — advert where the rules or the
   model say so, not where the rules are below :data:`SURE_CLEAN` and the model below
   :data:`MODEL_CLEAN` — and the model trained again.

A manager's decision on a message overrides its pseudo-label. The result is an ordinary model
file (``shequn rules train --chat``); ``trained_on`` says how many pseudo-labels it learned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from shequn.engine.rules.advert import signals
from shequn.engine.rules.calibrate import TARGET_PRECISION, calibrated
from shequn.engine.rules.linear import LinearModel
from shequn.engine.rules.normalize import Folded

SURE_ADVERT = 0.8
"""The rules' score from which a message is taught as an advert (the rules' own threshold)."""
SURE_CLEAN = 0.3
"""The rules' score below which a message is taught as clean: no contact detail and at most
one light promotion word."""
MODEL_CLEAN = 0.5
"""In the later rounds, the model's probability below which a clean message stays clean."""
ROUNDS = 1
"""Rounds of labelling again with the model after the first (more rounds changed little and
let the model's own mistakes feed back)."""
SHARES = (1.0, 0.3, 0.1)
"""How much another community's labelled examples may weigh, all together, against this
community's messages (each weighs ``share * messages / examples``, at most 1): each round tries
these and keeps the one whose model has the lowest out-of-fold log loss on the community's own
taught messages (``calibrate.calibrated``) — the share that keeps its own messages' meaning.
At full weight another community's labels can teach an SMS community that "please", "check",
"out" and "like" make an advert (YouTube comments' "please like", "check out my channel"),
words its own chat uses every day: most of the English false positives on the bench's tuning
pool. One share for every community (0.1) helped English there but cost Chinese recall on the
report pool (sms80w learns its recall from tg-zh's labels); chosen per community, English
SMS mostly takes 0.1 and Chinese keeps more (docs/rules.md, "English with another source's
labels")."""
PRIOR_HITS = 20
"""How many rule hits, all right, calibration assumes before the labelled examples speak
(:func:`rules_precision`): a few managers' decisions must not make the rules look wrong."""
MARGIN_Z = 0.5
"""The margin on the precision the threshold must reach on the community's own messages
(``calibrate.MARGIN_Z``: standard errors of the Wilson interval): half the usual one, because
that precision is already an underestimate — the messages taught as clean include the adverts
the rules miss, counted as false positives when the model finds them. Chosen among 0, 0.5 and
1 on the bench's tuning pool (docs/rules.md)."""


def pseudo_labels(
    chat: Sequence[Folded], model: LinearModel | None = None
) -> list[tuple[Folded, bool]]:
    """What the rules (and ``model``, when given) teach about ``chat``: sure adverts and sure
    clean messages; the unsure are left out."""
    out: list[tuple[Folded, bool]] = []
    for folded in chat:
        evidence = signals(folded)
        score = sum(e.weight for e in evidence)
        if score >= SURE_ADVERT:
            out.append((folded, True))
            continue
        p = model.probability(folded, evidence)[0] if model is not None else 0.0
        if model is not None and p >= model.threshold:
            out.append((folded, True))
        elif score < SURE_CLEAN and p < MODEL_CLEAN:
            out.append((folded, False))
    return out


def self_trained(
    chat: Iterable[Folded],
    labelled: Iterable[tuple[Folded, bool]] = (),
    *,
    rounds: int = ROUNDS,
    precision: float = TARGET_PRECISION,
    trained_on: dict[str, Any] | None = None,
    labelled_here: bool = False,
    share: float | None = None,
) -> LinearModel:
    """A model taught on ``chat`` (a community's messages, unlabelled) by the rules, with
    ``labelled`` examples alongside; labelled texts are not pseudo-labelled again.

    The model learns words only, not the rule signals: it was taught by the rules, and a
    model that learns them back learns that one promotion word makes an advert (every
    message taught as clean has none) — 0.89 precision on English SMS. Its threshold is
    chosen for ``precision`` on the chat's own taught messages (out of fold), and on the
    labelled examples too only when they are ``labelled_here`` (this community's decisions):
    another community's labels teach words, they do not say how often the model errs here —
    and they weigh ``share`` of the chat all together (None: the one of :data:`SHARES` that
    predicts the chat best); this community's own decisions (``labelled_here``) weigh in full."""
    given = list(labelled)
    known = {f.text for f, _ in given}
    messages = [f for f in chat if f.text not in known]
    weights = [1.0]
    if given and not labelled_here:
        tried = SHARES if share is None else (share,)
        weights = sorted({min(1.0, s * len(messages) / len(given)) for s in tried}, reverse=True)
    model: LinearModel | None = None
    taught: list[tuple[Folded, bool]] = []
    foreign = 1.0
    trust = rules_precision(given)
    for _ in range(rounds + 1):
        taught = pseudo_labels(messages, model)
        model, foreign = min(
            ((calibrated(given + taught, precision=precision, trained_on=trained_on,
                         rule_features=False, z=MARGIN_Z,
                         judged_from=0 if labelled_here else len(given),
                         taught_from=len(given), rules_precision=trust,
                         sample_weights=[w] * len(given) + [1.0] * len(taught)), w)
             for w in weights),
            key=lambda mw: _loss(mw[0]),
        )  # fmt: skip
    assert model is not None  # noqa: S101 -- the loop runs at least once
    model.trained_on["self_training"] = {
        "messages": len(messages),
        "taught_advert": sum(1 for _, y in taught if y),
        "taught_clean": sum(1 for _, y in taught if not y),
        "rounds": rounds,
        "sure_advert": SURE_ADVERT,
        "sure_clean": SURE_CLEAN,
        "labelled_weight": round(foreign, 4),
        "labelled_weights_tried": [round(w, 4) for w in weights],
    }
    return model


def rules_precision(labelled: Sequence[tuple[Folded, bool]]) -> float:
    """How often a message the rules flag is an advert, as calibration counts the messages the
    rules taught as adverts (no label says when they err): their precision on the labelled
    examples at hand, after :data:`PRIOR_HITS` assumed right; 1 with none. Counting taught
    adverts as always right gave the model the whole error budget, and the rules' own errors
    then took English below 0.95 on the bench's tuning pool (docs/rules.md)."""
    hits = [y for folded, y in labelled if sum(e.weight for e in signals(folded)) >= SURE_ADVERT]
    return (sum(hits) + PRIOR_HITS) / (len(hits) + PRIOR_HITS)


def _loss(model: LinearModel) -> float:
    """The model's out-of-fold log loss on the community's own messages (``calibrated``);
    the first of equals wins (``min`` keeps it), the largest weight first."""
    loss = model.trained_on.get("threshold", {}).get("log_loss")
    return float("inf") if loss is None else float(loss)
