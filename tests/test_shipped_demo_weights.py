"""The embedded demo weights, judged on held-out synthetic edits whose right answer is known.

A guard on what ships: weights that train badly, or an export that loses a network,
fail here rather than in a user's document. The bounds sit under what the shipped
weights measure on the first COUNT triples of `maskgan eval synthetic`'s held-out set
at their own resolution (docs/benchmarks.md has the 500-triple scores).
"""

import pytest

from maskgan.eval.heldout import HeldOutSet
from maskgan.eval.synthetic import evaluate
from maskgan.infer import Editor
from maskgan.parsing.learned import LearnedParser

COUNT = 48


@pytest.fixture(scope="module")
def report():
    editor = Editor.load(device="cpu", precision="fp32")
    return evaluate(editor, HeldOutSet(editor.resolution, COUNT), LearnedParser.from_bundle().parse_batch)


def test_the_edits_take(report):
    """The changed pixels parse as their new class far more often than the photo's, nearly as often as the truth's."""
    pooled = report.pooled_scores()
    assert pooled["edit.changed_accuracy"] >= pooled["photo.changed_accuracy"] + 0.2
    assert pooled["edit.changed_accuracy"] >= 0.5 * pooled["truth.changed_accuracy"]


def test_the_edit_region_is_closer_to_the_truth_than_the_photo_is(report):
    """Leaving the photo as it was is the baseline an edit must beat where the truth changed."""
    means = report.means()
    assert means["edit.psnr_edit"] >= means["photo.psnr_edit"] + 1.0
    assert means["edit.ssim_edit"] >= means["photo.ssim_edit"] + 0.03


def test_the_rest_of_the_photo_is_kept(report):
    """Outside the pasted band the result is the photo; the band itself stays close to the truth."""
    means = report.means()
    assert means["edit.psnr_outside"] >= 42.0
    assert means["edit.psnr_outside"] >= means["generate.psnr_outside"] + 15.0
