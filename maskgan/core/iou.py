"""Per-class intersection over union of label maps, accumulated over many images.

IoU of class c = |pred = c and truth = c| / |pred = c or truth = c|, summed over
every image first (the dataset-level IoU of segmentation benchmarks, so a class
that is a few pixels in one image does not count as much as the whole set).
mIoU is the mean over the classes present in the predictions or the truth;
classes absent from both have no IoU (None).
"""

from __future__ import annotations

import numpy as np
import torch

from maskgan.labels import CLASS_KEYS, NUM_CLASSES


class IoUCounter:
    def __init__(self, num_classes: int = NUM_CLASSES):
        self.num_classes = num_classes
        self.confusion = torch.zeros(num_classes, num_classes, dtype=torch.int64)  # [truth, prediction]

    def add(self, predicted: torch.Tensor | np.ndarray, truth: torch.Tensor | np.ndarray) -> None:
        """Count label maps of the same shape (any number of leading dimensions)."""
        predicted, truth = torch.as_tensor(predicted).long().cpu(), torch.as_tensor(truth).long().cpu()
        if predicted.shape != truth.shape:
            raise ValueError(
                f"predicted labels {tuple(predicted.shape)} and truth {tuple(truth.shape)} differ in shape"
            )
        pairs = truth.reshape(-1) * self.num_classes + predicted.reshape(-1)
        self.confusion += torch.bincount(pairs, minlength=self.num_classes**2).reshape(self.num_classes, -1)

    def per_class(self) -> list[float | None]:
        intersection = self.confusion.diagonal()
        union = self.confusion.sum(0) + self.confusion.sum(1) - intersection
        return [float(i) / float(u) if u else None for i, u in zip(intersection.tolist(), union.tolist())]

    def mean(self) -> float:
        present = [iou for iou in self.per_class() if iou is not None]
        return sum(present) / len(present) if present else float("nan")

    def summary(self) -> dict:
        """{'miou': float, 'per_class': {class key: IoU or None}, 'pixel_accuracy': float}, rounded to 4 places."""
        total = int(self.confusion.sum())
        return {
            "miou": round(self.mean(), 4),
            "pixel_accuracy": round(float(self.confusion.diagonal().sum()) / total, 4) if total else None,
            "per_class": {
                key: None if iou is None else round(iou, 4) for key, iou in zip(CLASS_KEYS, self.per_class())
            },
        }
