"""The official CelebAMask-HQ face_parsing ``unet``, re-stated for tests from its code.

``official_layout`` and ``official_forward`` follow face_parsing/unet.py and
model_utils.py (unetConv2 with batch norm, unetUp with a transposed conv, filters
[64, 128, 256, 512, 1024] / feature_scale), not maskgan.networks.parser_unet, so a
drift in our key names or arithmetic fails the tests that compare the two.
"""

import torch
import torch.nn.functional as F


def official_layout(feature_scale: int = 4, n_classes: int = 19, in_channels: int = 3) -> dict[str, tuple]:
    """Every key of the official unet's state_dict and its shape."""
    filters = [int(x / feature_scale) for x in (64, 128, 256, 512, 1024)]
    shapes: dict[str, tuple] = {}

    def unet_conv2(prefix: str, size_in: int, size_out: int) -> None:
        for index, channels_in in ((1, size_in), (2, size_out)):
            shapes[f"{prefix}.conv{index}.0.weight"] = (size_out, channels_in, 3, 3)
            shapes[f"{prefix}.conv{index}.0.bias"] = (size_out,)
            for leaf in ("weight", "bias", "running_mean", "running_var"):
                shapes[f"{prefix}.conv{index}.1.{leaf}"] = (size_out,)
            shapes[f"{prefix}.conv{index}.1.num_batches_tracked"] = ()

    unet_conv2("conv1", in_channels, filters[0])
    unet_conv2("conv2", filters[0], filters[1])
    unet_conv2("conv3", filters[1], filters[2])
    unet_conv2("conv4", filters[2], filters[3])
    unet_conv2("center", filters[3], filters[4])
    for level in (4, 3, 2, 1):
        unet_conv2(f"up_concat{level}.conv", filters[level], filters[level - 1])
        shapes[f"up_concat{level}.up.weight"] = (filters[level], filters[level - 1], 2, 2)
        shapes[f"up_concat{level}.up.bias"] = (filters[level - 1],)
    shapes["final.weight"] = (n_classes, filters[0], 1, 1)
    shapes["final.bias"] = (n_classes,)
    return shapes


def official_state_dict(feature_scale: int = 4, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random tensors in the official layout; running variances positive, as trained ones are."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in official_layout(feature_scale).items():
        if key.endswith("num_batches_tracked"):
            state[key] = torch.tensor(1000)
        elif key.endswith("running_var"):
            state[key] = torch.rand(shape, generator=generator) + 0.5
        else:
            state[key] = torch.randn(shape, generator=generator) * 0.2
    return state


def official_forward(state: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The official unet's forward in eval mode, as plain functional calls on its state_dict."""

    def unet_conv2(prefix: str, h: torch.Tensor) -> torch.Tensor:
        for index in (1, 2):
            conv, norm = f"{prefix}.conv{index}.0", f"{prefix}.conv{index}.1"
            h = F.conv2d(h, state[f"{conv}.weight"], state[f"{conv}.bias"], stride=1, padding=1)
            h = F.batch_norm(
                h,
                state[f"{norm}.running_mean"],
                state[f"{norm}.running_var"],
                state[f"{norm}.weight"],
                state[f"{norm}.bias"],
                training=False,
                eps=1e-5,
            )
            h = F.relu(h)
        return h

    def unet_up(prefix: str, inputs1: torch.Tensor, inputs2: torch.Tensor) -> torch.Tensor:
        outputs2 = F.conv_transpose2d(inputs2, state[f"{prefix}.up.weight"], state[f"{prefix}.up.bias"], stride=2)
        offset = outputs2.size()[2] - inputs1.size()[2]
        outputs1 = F.pad(inputs1, 2 * [offset // 2, offset // 2])
        return unet_conv2(f"{prefix}.conv", torch.cat([outputs1, outputs2], 1))

    conv1 = unet_conv2("conv1", x)
    conv2 = unet_conv2("conv2", F.max_pool2d(conv1, kernel_size=2))
    conv3 = unet_conv2("conv3", F.max_pool2d(conv2, kernel_size=2))
    conv4 = unet_conv2("conv4", F.max_pool2d(conv3, kernel_size=2))
    center = unet_conv2("center", F.max_pool2d(conv4, kernel_size=2))
    up4 = unet_up("up_concat4", conv4, center)
    up3 = unet_up("up_concat3", conv3, up4)
    up2 = unet_up("up_concat2", conv2, up3)
    up1 = unet_up("up_concat1", conv1, up2)
    return F.conv2d(up1, state["final.weight"], state["final.bias"])
