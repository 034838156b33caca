"""CelebAMask-HQ preparation (official layout -> prepared folder) and the dataset over the result."""

import json
import logging

import numpy as np
import pytest
import torch
from fake_celebamask import DEFAULT_PARTS, IMAGE_DIR, MAPPING_FILE, MASK_DIR, make_source, write_part
from PIL import Image

from maskgan.core.tensors import image_to_tensor
from maskgan.data.celebamask_hq import EXPECTED_LAYOUT, CelebAMaskError, PreparedCelebAMaskDataset, prepare, split_of
from maskgan.data.sources import open_dataset
from maskgan_cli.main import main

TRAIN_ORIG = 5  # an original CelebA index in the training split


def read_label(out, split, idx):
    with Image.open(out / split / "labels" / f"{idx}.png") as file:
        assert file.mode == "L"
        return np.asarray(file)


def read_photo(out, split, idx):
    with Image.open(out / split / "images" / f"{idx}.jpg") as file:
        assert file.format == "JPEG"
        return np.asarray(file.convert("RGB"))


def output_files(out):
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


# --- merging part masks ---------------------------------------------------------------


def test_parts_merge_in_official_order_later_part_wins(tmp_path):
    src = make_source(tmp_path / "src", {0: TRAIN_ORIG})
    prepare(src, tmp_path / "out", size=32)
    label = read_label(tmp_path / "out", "train", 0)
    assert label.shape == (32, 32) and label.dtype == np.uint8
    assert label[16, 30] == 0 and label[16, 1] == 0  # outside every part
    assert label[0, 0] == 13 and label[5, 10] == 13  # hair, also over skin
    assert label[31, 31] == 17  # neck alone
    assert label[20, 20] == 1  # skin
    assert label[12, 12] == 2  # nose over skin
    assert label[8, 15] == 3  # eyeglasses over skin
    assert label[8, 8] == 4  # left eye over eyeglasses (eye_g comes before l_eye)
    assert label[30, 2] == 16  # necklace alone
    assert label[30, 10] == 17  # neck over necklace (official order, not alphabetical)
    assert set(np.unique(label)) == {0, 1, 2, 3, 4, 13, 16, 17}


def test_absent_parts_are_absent_and_rgb_parts_count_any_channel_over_127(tmp_path):
    src = make_source(tmp_path / "src", {0: TRAIN_ORIG}, parts={})
    skin = np.zeros((32, 32, 3), np.uint8)
    skin[0, 0] = (128, 0, 0)  # one channel above 127 -> on
    skin[0, 1] = (127, 127, 127)  # no channel above 127 -> off
    skin[0, 2] = (0, 0, 255)
    path = src / MASK_DIR / "0" / "00000_skin.png"
    path.parent.mkdir(parents=True)
    Image.fromarray(skin).save(path)
    nose = np.zeros((32, 32), np.uint8)
    nose[1, 0], nose[1, 1] = 128, 127
    Image.fromarray(nose).save(src / MASK_DIR / "0" / "00000_nose.png")

    prepare(src, tmp_path / "out", size=32)
    label = read_label(tmp_path / "out", "train", 0)
    assert label[0, :3].tolist() == [1, 0, 1]
    assert label[1, :2].tolist() == [2, 0]
    assert int((label != 0).sum()) == 3


def test_rgb_and_greyscale_part_files_merge_alike(tmp_path):
    for mode in ("L", "RGB"):
        prepare(make_source(tmp_path / f"src{mode}", {0: TRAIN_ORIG}, part_mode=mode), tmp_path / f"out{mode}", size=32)
    assert np.array_equal(read_label(tmp_path / "outL", "train", 0), read_label(tmp_path / "outRGB", "train", 0))


def test_mask_folder_is_idx_over_2000_and_names_are_zero_padded(tmp_path):
    src = make_source(tmp_path / "src", {1999: TRAIN_ORIG, 2000: TRAIN_ORIG}, parts={})
    write_part(src, 1999, "skin", DEFAULT_PARTS["skin"], folder="0")
    write_part(src, 2000, "nose", DEFAULT_PARTS["nose"], folder="1")
    assert (src / MASK_DIR / "1" / "02000_nose.png").is_file()

    summary = prepare(src, tmp_path / "out", size=32)
    assert not summary.failed
    assert set(np.unique(read_label(tmp_path / "out", "train", 1999))) == {0, 1}
    assert set(np.unique(read_label(tmp_path / "out", "train", 2000))) == {0, 2}


# --- sizes, split and layout ---------------------------------------------------------


def test_output_layout_names_and_manifest(tmp_path):
    src = make_source(tmp_path / "src", {7: TRAIN_ORIG, 3: 170000, 12: 190000})
    out = tmp_path / "out"
    summary = prepare(src, out, size=32)
    assert output_files(out) == [
        "manifest.json",
        "test/images/12.jpg",
        "test/labels/12.png",
        "train/images/7.jpg",
        "train/labels/7.png",
        "val/images/3.jpg",
        "val/labels/3.png",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["size"] == 32 and manifest["format_version"] == 1
    assert manifest["counts"] == {"train": 1, "val": 1, "test": 1}
    assert manifest["failures"] == [] and manifest["source"] == str(src.resolve())
    assert summary.counts() == manifest["counts"]


def test_split_boundaries_follow_the_official_partition(tmp_path):
    assert [split_of(i) for i in (0, 162770, 162771, 182637, 182638, 202598)] == [
        "train",
        "train",
        "val",
        "val",
        "test",
        "test",
    ]
    src = make_source(tmp_path / "src", {0: 162770, 1: 162771, 2: 182637, 3: 182638})
    out = tmp_path / "out"
    prepare(src, out, size=32)
    labels = [p for p in output_files(out) if "/labels/" in p]
    assert labels == ["test/labels/3.png", "train/labels/0.png", "val/labels/1.png", "val/labels/2.png"]


def test_images_are_resized_with_lanczos_and_labels_with_nearest(tmp_path):
    src = make_source(tmp_path / "src", {9: TRAIN_ORIG}, image_size=64)
    prepare(src, tmp_path / "at32", size=32)
    prepare(src, tmp_path / "at64", size=64)
    small, large = read_label(tmp_path / "at32", "train", 9), read_label(tmp_path / "at64", "train", 9)
    assert np.array_equal(large, small.repeat(2, axis=0).repeat(2, axis=1))
    # Same decoder, same encoder, same pixels: the photo is LANCZOS-resized (or not
    # resized at all at its own size) and written as JPEG quality 95.
    for size in (32, 64):
        with Image.open(src / IMAGE_DIR / "9.jpg") as source:
            source.convert("RGB").resize((size, size), Image.LANCZOS).save(tmp_path / "expected.jpg", quality=95)
        with Image.open(tmp_path / "expected.jpg") as expected:
            assert np.array_equal(read_photo(tmp_path / f"at{size}", "train", 9), np.asarray(expected))


def test_one_item_at_the_real_sizes(tmp_path):
    src = make_source(tmp_path / "src", {0: TRAIN_ORIG}, image_size=1024, parts={})
    skin = np.zeros((512, 512), bool)
    skin[100:400, 100:400] = True
    hair = np.zeros((512, 512), bool)
    hair[50:150, :] = True
    write_part(src, 0, "skin", skin)
    write_part(src, 0, "hair", hair, mode="RGB")
    prepare(src, tmp_path / "out")
    expected = np.where(hair, 13, np.where(skin, 1, 0))
    assert np.array_equal(read_label(tmp_path / "out", "train", 0), expected)
    assert read_photo(tmp_path / "out", "train", 0).shape == (512, 512, 3)


def test_limit_takes_the_first_images_by_idx(tmp_path):
    src = make_source(tmp_path / "src", {4: TRAIN_ORIG, 1: TRAIN_ORIG, 3: TRAIN_ORIG, 2: TRAIN_ORIG})
    summary = prepare(src, tmp_path / "out", size=32, limit=2)
    assert summary.written["train"] == 2
    labels = [p for p in output_files(tmp_path / "out") if "/labels/" in p]
    assert labels == ["train/labels/1.png", "train/labels/2.png"]
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["limit"] == 2


# --- resume ---------------------------------------------------------------------------


def test_second_run_skips_done_items_and_redoes_missing_or_resized_ones(tmp_path):
    src = make_source(tmp_path / "src", {0: TRAIN_ORIG, 1: TRAIN_ORIG, 2: 170000})
    out = tmp_path / "out"
    prepare(src, out, size=32)
    marker = np.full((32, 32), 5, np.uint8)  # a done item is not rewritten
    Image.fromarray(marker).save(out / "train" / "labels" / "0.png")

    again = prepare(src, out, size=32)
    assert again.written == {"train": 0, "val": 0, "test": 0}
    assert again.already_done == {"train": 2, "val": 1, "test": 0}
    assert np.array_equal(read_label(out, "train", 0), marker)

    (out / "train" / "images" / "1.jpg").unlink()  # as if interrupted between the two files
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(out / "val" / "labels" / "2.png")  # another size
    third = prepare(src, out, size=32)
    assert third.written == {"train": 1, "val": 1, "test": 0}
    assert third.already_done == {"train": 1, "val": 0, "test": 0}
    assert read_photo(out, "train", 1).shape == (32, 32, 3)
    assert read_label(out, "val", 2)[20, 20] == 1
    assert "already done" in str(third) and "train: 2 items (1 written, 1 already done)" in str(third)


# --- bad items ------------------------------------------------------------------------


def _corrupt_image(src):
    (src / IMAGE_DIR / "1.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return "cannot be read"


def _missing_image(src):
    (src / IMAGE_DIR / "1.jpg").unlink()
    return "is missing"


def _non_square_image(src):
    Image.fromarray(np.zeros((64, 48, 3), np.uint8)).save(src / IMAGE_DIR / "1.jpg")
    return "is 48x64, not square"


def _unreadable_part(src):
    (src / MASK_DIR / "0" / "00001_nose.png").write_bytes(b"\x89PNG broken")
    return "cannot be read"


def _part_of_another_size(src):
    write_part(src, 1, "nose", np.zeros((16, 16), bool))
    return "part mask {} is 16x16 but 00001_skin.png is 32x32".format(src / MASK_DIR / "0" / "00001_nose.png")


def _no_parts(src):
    for path in (src / MASK_DIR / "0").glob("00001_*.png"):
        path.unlink()
    return "no part masks found: {}".format(src / MASK_DIR / "0" / "00001_*.png")


@pytest.mark.parametrize(
    "fault", [_corrupt_image, _missing_image, _non_square_image, _unreadable_part, _part_of_another_size, _no_parts]
)
def test_bad_item_is_warned_counted_and_leaves_no_output(tmp_path, caplog, fault):
    src = make_source(tmp_path / "src", {0: TRAIN_ORIG, 1: TRAIN_ORIG, 2: TRAIN_ORIG})
    reason = fault(src)
    out = tmp_path / "out"
    (out / "train" / "labels").mkdir(parents=True)
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(out / "train" / "labels" / "1.png")  # leftover

    with caplog.at_level(logging.WARNING, logger="maskgan.data.celebamask_hq"):
        summary = prepare(src, out, size=32)
    assert [f.idx for f in summary.failed] == [1]
    assert reason in summary.failed[0].reason
    assert any("skipped image 1:" in r.getMessage() and reason in r.getMessage() for r in caplog.records)
    assert summary.written["train"] == 2
    assert not any("/1." in p for p in output_files(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["failures"] == [{"idx": 1, "reason": summary.failed[0].reason}]
    assert "failed: 1" in str(summary) and "image 1: " in str(summary)


# --- source errors --------------------------------------------------------------------


def test_missing_mask_folder_and_mapping_are_named(tmp_path):
    src = make_source(tmp_path / "src", {0: TRAIN_ORIG})
    for path in (src / MASK_DIR).rglob("*.png"):
        path.unlink()
    for folder in sorted((src / MASK_DIR).rglob("*"), reverse=True) + [src / MASK_DIR]:
        folder.rmdir()
    (src / MAPPING_FILE).unlink()
    with pytest.raises(CelebAMaskError) as error:
        prepare(src, tmp_path / "out")
    assert str(error.value) == f"missing {src / MASK_DIR}, {src / MAPPING_FILE}; {EXPECTED_LAYOUT}"
    assert not (tmp_path / "out").exists()


def test_parent_folder_given_as_source_gets_a_hint(tmp_path):
    make_source(tmp_path / "CelebAMask-HQ", {0: TRAIN_ORIG})
    with pytest.raises(CelebAMaskError, match=r"did you mean SOURCE=.*CelebAMask-HQ\?"):
        prepare(tmp_path, tmp_path / "out")


def test_malformed_mapping_names_the_line(tmp_path):
    src = make_source(tmp_path / "src", {0: TRAIN_ORIG})
    with open(src / MAPPING_FILE, "a") as mapping:
        mapping.write("1 notanumber 3.jpg\n")
    with pytest.raises(CelebAMaskError) as error:
        prepare(src, tmp_path / "out")
    expected = f"{src / MAPPING_FILE} line 3: expected `idx orig_idx orig_file`, got '1 notanumber 3.jpg'"
    assert str(error.value) == expected


@pytest.mark.parametrize(
    "size, limit, text",
    [(0, None, "size must be a positive number of pixels, got 0"), (32, 0, "limit must be at least 1 image, got 0")],
)
def test_bad_arguments(tmp_path, size, limit, text):
    src = make_source(tmp_path / "src", {0: TRAIN_ORIG})
    with pytest.raises(CelebAMaskError) as error:
        prepare(src, tmp_path / "out", size=size, limit=limit)
    assert str(error.value) == text


# --- the dataset over a prepared folder -----------------------------------------------


@pytest.fixture
def prepared(tmp_path):
    src = make_source(tmp_path / "src", {5: TRAIN_ORIG, 2: TRAIN_ORIG, 8: 170000})
    prepare(src, tmp_path / "out", size=32)
    return tmp_path / "out"


def test_dataset_yields_the_item_format(prepared):
    dataset = PreparedCelebAMaskDataset(prepared, split="train")
    assert len(dataset) == 2 and dataset.indices == [2, 5]
    item = dataset[1]
    assert set(item) == {"image", "label"}
    assert item["image"].dtype == torch.float32 and item["image"].shape == (3, 32, 32)
    assert -1.0 <= item["image"].min() and item["image"].max() <= 1.0
    assert item["label"].dtype == torch.int64
    assert np.array_equal(item["label"].numpy(), read_label(prepared, "train", 5))
    assert torch.equal(item["image"], image_to_tensor(read_photo(prepared, "train", 5)))
    with pytest.raises(IndexError):
        dataset[2]


def test_dataset_resizes_on_the_fly_and_opens_through_sources(prepared):
    item = open_dataset(f"celebamask:{prepared}", size=64, split="val")[0]
    assert item["image"].shape == (3, 64, 64)
    label = read_label(prepared, "val", 8)
    assert np.array_equal(item["label"].numpy(), label.repeat(2, axis=0).repeat(2, axis=1))


def test_dataset_errors(prepared, tmp_path):
    with pytest.raises(CelebAMaskError, match="has no manifest.json: it is not a folder made by"):
        PreparedCelebAMaskDataset(tmp_path / "src")
    with pytest.raises(CelebAMaskError, match="unknown split 'eval'; use one of train, val, test"):
        PreparedCelebAMaskDataset(prepared, split="eval")
    with pytest.raises(CelebAMaskError, match="split 'test' of .* holds no items"):
        PreparedCelebAMaskDataset(prepared, split="test")
    (prepared / "train" / "images" / "2.jpg").unlink()
    with pytest.raises(CelebAMaskError, match=r"1 items with only an image or only a label \(e.g. item 2\)"):
        PreparedCelebAMaskDataset(prepared, split="train")
    for path in (prepared / "val").rglob("*.*"):
        path.unlink()
    for folder in ("images", "labels", ""):
        (prepared / "val" / folder).rmdir()
    with pytest.raises(CelebAMaskError, match="has no split 'val'"):
        PreparedCelebAMaskDataset(prepared, split="val")


# --- the command line -----------------------------------------------------------------


def test_cli_end_to_end(tmp_path, capsys):
    src = make_source(tmp_path / "src", {0: TRAIN_ORIG, 1: 190000})
    out = tmp_path / "out"
    assert main(["data", "prepare-celebamask", str(src), str(out), "--size", "32"]) == 0
    printed = capsys.readouterr().out
    assert "train: 1 items (1 written, 0 already done)" in printed and "failed: 0" in printed

    (src / IMAGE_DIR / "2.jpg").write_bytes(b"garbage")
    with open(src / MAPPING_FILE, "a") as mapping:
        mapping.write("2 7 000008.jpg\n")
    assert main(["data", "prepare-celebamask", str(src), str(out), "--size", "32"]) == 1
    printed = capsys.readouterr().out
    assert "train: 1 items (0 written, 1 already done)" in printed and "failed: 1" in printed

    assert main(["data", "prepare-celebamask", str(tmp_path / "nowhere"), str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"maskgan data: error: source folder {tmp_path / 'nowhere'} does not exist;")
