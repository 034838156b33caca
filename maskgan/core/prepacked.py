"""Convolutions whose weights are prepacked (laid out once for oneDNN), for inference on the CPU.

torch's CPU convolution hands oneDNN the weights as stored and oneDNN reorders them
into its blocked layout on every call. Laid out once per input shape (as torch.compile's
freezing does, without its minutes of compiling) the official-size generator's forward
ran, at 512x512 and batch 1, in min-of-9 interleaved runs on a 2-core Zen 4:

* fp32 (NCHW): 1.36x with the convolutions laid out, 1.06x with the transposed ones;
* bf16 (channels_last): 1.08x with the transposed ones; the convolutions gained nothing
  (1.00x) and their copy would cost as much memory again, so they stay as they are.

Outputs equal the plain calls: bf16 bit for bit, fp32 within 1e-4 (its kernels sum in another order). Each layer
keeps its weights (its state dict is unchanged) and the laid-out copy for the last input
shape it saw; a call that needs gradients, and a layer oneDNN cannot lay out, run the
plain way.
"""

from __future__ import annotations

import torch
from torch import nn


def _prepacked_ops_available() -> bool:
    try:
        torch.ops.mkldnn._convolution_pointwise  # noqa: B018 - raises when this torch build lacks the op
        torch.ops.mkldnn._convolution_transpose_pointwise  # noqa: B018
    except (AttributeError, RuntimeError):
        return False
    return torch.backends.mkldnn.is_available()


class _Prepacked:
    """The prepacked copy of a layer's weight for one input shape, made on first use; None where it cannot be."""

    def _prepacked_weight(self, x: torch.Tensor):
        key = (tuple(x.shape), x.dtype)
        if getattr(self, "_prepacked_for", None) != key:
            try:
                self._prepacked = self._prepack(x)
            except (RuntimeError, NotImplementedError):
                self._prepacked = None  # this shape or layout is not oneDNN's: the plain call serves it
            self._prepacked_for = key
        return self._prepacked

    def _usable(self, x: torch.Tensor) -> bool:
        return not (torch.is_grad_enabled() and self.weight.requires_grad) and x.device.type == "cpu"


class PrepackedConv2d(_Prepacked, nn.Conv2d):
    def _prepack(self, x: torch.Tensor):
        return torch._C._nn.mkldnn_reorder_conv2d_weight(
            self.weight.to_mkldnn(),
            list(self.padding),
            list(self.stride),
            list(self.dilation),
            self.groups,
            list(x.shape),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self._prepacked_weight(x) if self._usable(x) else None
        if weight is None:
            return super().forward(x)
        return torch.ops.mkldnn._convolution_pointwise(
            x,
            weight,
            self.bias,
            list(self.padding),
            list(self.stride),
            list(self.dilation),
            self.groups,
            "none",
            [],
            "",
        )


class PrepackedConvTranspose2d(_Prepacked, nn.ConvTranspose2d):
    def _prepack(self, x: torch.Tensor):
        return torch.ops.mkldnn._reorder_convolution_transpose_weight(
            self.weight,
            list(self.padding),
            list(self.output_padding),
            list(self.stride),
            list(self.dilation),
            self.groups,
            list(x.shape),
        )

    def forward(self, x: torch.Tensor, output_size=None) -> torch.Tensor:
        weight = self._prepacked_weight(x) if self._usable(x) and output_size is None else None
        if weight is None:
            return super().forward(x, output_size)
        return torch.ops.mkldnn._convolution_transpose_pointwise(
            x,
            weight,
            self.bias,
            list(self.padding),
            list(self.output_padding),
            list(self.stride),
            list(self.dilation),
            self.groups,
            "none",
            [],
            "",
        )


def prepack_convolutions(network: nn.Module, precision: str) -> int:
    """Turn ``network``'s convolutions into prepacked ones where that measured faster (see the module's
    docstring): every convolution in fp32, the transposed ones in bf16. In place; returns how many."""
    if not _prepacked_ops_available():
        return 0
    swaps = {nn.ConvTranspose2d: PrepackedConvTranspose2d}
    if precision == "fp32":
        swaps[nn.Conv2d] = PrepackedConv2d
    count = 0
    for module in network.modules():
        prepacked = swaps.get(type(module))
        if prepacked is not None and module.padding_mode == "zeros" and not isinstance(module.padding, str):
            module.__class__ = prepacked  # the same parameters and state dict; only forward changes
            count += 1
    return count
