"""Datasets by data spec, the synthetic item format, seed ranges, worker safety and contact sheets."""

import sys
import types

import numpy as np
import pytest
import torch
from PIL import Image

from maskgan.core.tensors import image_to_tensor
from maskgan.data.preview import CAPTION_HEIGHT, GAP, SAMPLES_PER_ROW, write_contact_sheet
from maskgan.data.sources import (
    EVAL_SEED_BASE,
    SEED_BASES,
    SPLIT_SPAN,
    TRAIN_SEED_BASE,
    VAL_SEED_BASE,
    SyntheticFaceDataset,
    open_dataset,
)
from maskgan.data.synthetic import sample
from maskgan.labels import label_to_color

SIZE = 32


def test_item_format_dtypes_and_ranges():
    item = SyntheticFaceDataset(4, SIZE, seed_base=100)[2]
    assert set(item) == {"image", "label", "edited_label", "edited_image"}
    for key in ("image", "edited_image"):
        assert item[key].dtype == torch.float32 and item[key].shape == (3, SIZE, SIZE)
        assert item[key].min() >= -1 and item[key].max() <= 1
    for key in ("label", "edited_label"):
        assert item[key].dtype == torch.int64 and item[key].shape == (SIZE, SIZE)
        assert item[key].min() >= 0 and item[key].max() <= 18
    assert (item["label"] != item["edited_label"]).any()


def test_item_is_face_seed_base_plus_index():
    item = SyntheticFaceDataset(4, SIZE, seed_base=100)[2]
    face = sample(102, SIZE)
    assert torch.equal(item["image"], image_to_tensor(face.image))
    assert np.array_equal(item["edited_label"].numpy(), face.edited_label)


def test_without_edit_the_keys_are_absent():
    item = SyntheticFaceDataset(1, SIZE, with_edit=False)[0]
    assert set(item) == {"image", "label"}


def test_items_do_not_depend_on_order_global_rngs_or_workers():
    dataset = SyntheticFaceDataset(6, SIZE)
    forward = [dataset[i] for i in range(6)]
    np.random.seed(123)
    torch.manual_seed(123)
    backward = {i: dataset[i] for i in reversed(range(6))}
    for i in range(6):
        for key in forward[i]:
            assert torch.equal(forward[i][key], backward[i][key]), (i, key)
    loader = torch.utils.data.DataLoader(dataset, batch_size=3, num_workers=2, shuffle=False)
    batched = [batch for batch in loader]
    for i in range(6):
        assert torch.equal(batched[i // 3]["image"][i % 3], forward[i]["image"])
        assert torch.equal(batched[i // 3]["edited_label"][i % 3], forward[i]["edited_label"])


def test_out_of_range_index_raises_index_error():
    with pytest.raises(IndexError, match="outside this dataset of 3 synthetic faces"):
        SyntheticFaceDataset(3, SIZE)[3]


def test_split_seed_ranges_are_fixed_and_disjoint():
    assert (TRAIN_SEED_BASE, VAL_SEED_BASE, EVAL_SEED_BASE) == (0, SPLIT_SPAN, 2 * SPLIT_SPAN)
    ranges = []
    for split, base in SEED_BASES.items():
        dataset = open_dataset("synthetic", SIZE, split)
        assert dataset.seed_base == base and len(dataset) <= SPLIT_SPAN
        ranges.append(range(base, base + SPLIT_SPAN))
    for i, a in enumerate(ranges):
        for b in ranges[i + 1 :]:
            assert a.stop <= b.start or b.stop <= a.start
    with pytest.raises(ValueError, match="holds at most 10,000,000 faces"):
        open_dataset("synthetic", SIZE, "train", length=SPLIT_SPAN + 1)


def test_open_dataset_passes_options_to_the_synthetic_world():
    dataset = open_dataset("synthetic", SIZE, "test", length=5, with_edit=False)
    assert (len(dataset), dataset.size, dataset.with_edit) == (5, SIZE, False)


def test_open_dataset_names_what_is_wrong():
    with pytest.raises(ValueError, match=r"unknown data source 'imagenet': use 'synthetic' .* or 'celebamask:PATH'"):
        open_dataset("imagenet", SIZE)
    with pytest.raises(
        ValueError, match="unknown split 'holdout' of the synthetic world; use one of: train, val, test"
    ):
        open_dataset("synthetic", SIZE, "holdout")
    with pytest.raises(ValueError, match="takes the options length and with_edit, not colour"):
        open_dataset("synthetic", SIZE, colour=True)
    with pytest.raises(ValueError, match="needs the prepared folder after the colon"):
        open_dataset("celebamask:", SIZE)


def test_celebamask_spec_opens_the_prepared_folder(monkeypatch):
    calls = []

    class FakePrepared:
        def __init__(self, root, split, size, **options):
            calls.append((root, split, size, options))

    module = types.ModuleType("maskgan.data.celebamask_hq")
    module.PreparedCelebAMaskDataset = FakePrepared
    monkeypatch.setitem(sys.modules, "maskgan.data.celebamask_hq", module)
    dataset = open_dataset("celebamask:/data/celeba:v2", 512, "val", limit=3)
    assert isinstance(dataset, FakePrepared)
    assert calls == [("/data/celeba:v2", "val", 512, {"limit": 3})]


def test_contact_sheet_shows_image_masks_and_ground_truth(tmp_path):
    path = tmp_path / "sheet.png"
    write_contact_sheet("synthetic", path, count=3, size=SIZE, seed=5)
    sheet = np.asarray(Image.open(path).convert("RGB"))
    block_w, block_h = 4 * SIZE + GAP, SIZE + CAPTION_HEIGHT + GAP
    assert sheet.shape == (2 * block_h - GAP, SAMPLES_PER_ROW * block_w - GAP, 3)
    for n in range(3):
        face = sample(5 + n, SIZE)
        left, top = (n % SAMPLES_PER_ROW) * block_w, (n // SAMPLES_PER_ROW) * block_h + CAPTION_HEIGHT
        tiles = [face.image, label_to_color(face.label), label_to_color(face.edited_label), face.edited_image]
        for t, tile in enumerate(tiles):
            assert np.array_equal(sheet[top : top + SIZE, left + t * SIZE : left + (t + 1) * SIZE], tile), (n, t)
    caption = sheet[:CAPTION_HEIGHT, :block_w]
    assert (caption > 200).any()  # light caption text on the dark strip


def test_contact_sheet_rejects_bad_requests(tmp_path):
    with pytest.raises(ValueError, match="at least one sample, got count 0"):
        write_contact_sheet("synthetic", tmp_path / "x.png", count=0, size=SIZE)
    with pytest.raises(ValueError, match="unknown data source"):
        write_contact_sheet("faces", tmp_path / "x.png", count=1, size=SIZE)
    assert not (tmp_path / "x.png").exists()
